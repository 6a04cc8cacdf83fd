"""Grouping people who share interests: a greedy matcher that scales to many thousands.

No all-pairs comparison: candidate edges come from an inverted interest index (each
person is linked to a few neighbours in every interest's list, that list sorted by time
zone so neighbours live at similar hours), scored by rarity-weighted shared interests,
then taken greedily. Leftovers who still share an interest are paired in a second pass,
the rest are paired by time zone, and an odd person joins one group as a trio.
"""

from __future__ import annotations

import math
import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass

Pair = tuple[int, int]

EDGES_PER_INTEREST = 4  # neighbours taken in each interest's list, per person
CONNECTED_FACTOR = 0.4  # pairs who already talk count for less: introductions are for new ties
TZ_PENALTY_PER_HOUR = 0.03
HOME_SCAN = 50  # interest neighbours looked at when placing one extra person in a group


def pair_key(a: int, b: int) -> Pair:
    return (a, b) if a < b else (b, a)


@dataclass(frozen=True, slots=True)
class Person:
    user_id: int
    interests: frozenset[str]
    tz_offset_hours: float = 0.0


@dataclass(frozen=True, slots=True)
class Group:
    members: tuple[int, ...]
    shared_interests: tuple[str, ...]  # rarest first
    score: float


def interest_weights(people: Sequence[Person]) -> dict[str, float]:
    """Inverse document frequency: an interest few people have weighs more."""
    counts: dict[str, int] = {}
    for person in people:
        for interest in person.interests:
            counts[interest] = counts.get(interest, 0) + 1
    n = max(len(people), 1)
    return {interest: math.log(1.0 + n / c) for interest, c in counts.items()}


def shared_of(members: Sequence[Person], weights: dict[str, float]) -> tuple[str, ...]:
    """Interests every member has; for a trio with none in common, those any two share."""
    common = frozenset.intersection(*(m.interests for m in members))
    if not common and len(members) > 2:
        pairs = [a.interests & b.interests for i, a in enumerate(members) for b in members[i + 1 :]]
        common = frozenset().union(*pairs)
    return tuple(sorted(common, key=lambda s: (-weights.get(s, 0.0), s)))


class _Matcher:
    def __init__(
        self,
        people: Sequence[Person],
        blocked: Collection[Pair],
        connected: Collection[Pair],
        seed: int,
    ) -> None:
        self.rng = random.Random(seed)
        order = sorted(people, key=lambda p: p.user_id)
        self.rng.shuffle(order)  # ties broken by the seed, not by input order
        self.people = order
        self.by_id = {p.user_id: p for p in order}
        self.blocked = blocked
        self.connected = connected
        self.weights = interest_weights(order)
        self.postings: dict[str, list[int]] = {}
        for person in sorted(order, key=lambda p: p.tz_offset_hours):
            for interest in person.interests:
                self.postings.setdefault(interest, []).append(person.user_id)

    def ok(self, a: int, b: int) -> bool:
        return a != b and pair_key(a, b) not in self.blocked

    def edge_score(self, a: Person, b: Person) -> float:
        shared = a.interests & b.interests
        if not shared:
            return 0.0
        base = sum(self.weights[s] for s in shared)
        if pair_key(a.user_id, b.user_id) in self.connected:
            base *= CONNECTED_FACTOR
        return base - TZ_PENALTY_PER_HOUR * abs(a.tz_offset_hours - b.tz_offset_hours)

    def candidate_edges(self) -> list[tuple[float, int, int]]:
        """Each person is linked to the next few people in every interest's list (sorted by
        time zone, seed order within a zone): linear in the number of (person, interest)."""
        blocked = self.blocked
        seen: set[Pair] = set()
        for members in self.postings.values():
            size = len(members)
            reach = min(EDGES_PER_INTEREST, size - 1)
            for i, uid in enumerate(members):
                for step in range(1, reach + 1):
                    other = members[(i + step) % size]
                    key = (uid, other) if uid < other else (other, uid)
                    if key not in seen and key not in blocked:
                        seen.add(key)
        by_id, weight, connected = self.by_id, self.weights.__getitem__, self.connected
        edges: list[tuple[float, int, int]] = []  # (-score, a, b): best first once sorted
        for a, b in seen:
            pa, pb = by_id[a], by_id[b]
            score = sum(map(weight, pa.interests & pb.interests))
            if (a, b) in connected:
                score *= CONNECTED_FACTOR
            score -= TZ_PENALTY_PER_HOUR * abs(pa.tz_offset_hours - pb.tz_offset_hours)
            edges.append((-score, a, b))
        edges.sort()
        return edges

    def greedy(self) -> tuple[list[list[int]], list[int]]:
        edges = self.candidate_edges()
        taken: set[int] = set()
        groups: list[list[int]] = []
        for _negative_score, a, b in edges:
            if a in taken or b in taken:
                continue
            taken.update((a, b))
            groups.append([a, b])
        leftovers = [p.user_id for p in self.people if p.user_id not in taken]
        more, leftovers = self.pair_by_interest(leftovers)
        groups.extend(more)
        return groups, leftovers

    def pair_by_interest(self, ids: list[int]) -> tuple[list[list[int]], list[int]]:
        """Pair remaining people who share any interest (exhaustive among them, so no two
        people left without a shared-interest partner could have been paired)."""
        postings: dict[str, list[int]] = {}
        for uid in ids:
            for interest in self.by_id[uid].interests:
                postings.setdefault(interest, []).append(uid)
        free = set(ids)
        groups: list[list[int]] = []
        for uid in ids:
            if uid not in free:
                continue
            person = self.by_id[uid]
            best: int | None = None
            for interest in sorted(person.interests, key=lambda s: (-self.weights[s], s)):
                for other in postings[interest]:
                    if other in free and self.ok(uid, other):
                        best = other
                        break
                if best is not None:
                    break
            if best is not None:
                free.difference_update((uid, best))
                groups.append([uid, best])
        return groups, [uid for uid in ids if uid in free]

    def best_home(self, uid: int, groups: list[list[int]], where: dict[int, int]) -> int | None:
        """The open group this person fits best among those holding someone who shares one of
        their interests (None when there is none: they wait for the next round).

        `where` maps each member of a group still open to more people to its group index."""
        person = self.by_id[uid]
        nearby: list[int] = []
        for interest in sorted(person.interests):
            nearby.extend(where[m] for m in self.postings.get(interest, ())[:HOME_SCAN] if m in where)

        def fits(index: int) -> bool:
            return all(self.ok(uid, m) for m in groups[index])

        best: tuple[float, int] | None = None
        for index in dict.fromkeys(nearby):
            if not fits(index):
                continue
            score = sum(self.edge_score(person, self.by_id[m]) for m in groups[index])
            if best is None or score > best[0]:
                best = (score, index)
        return None if best is None else best[1]

    def place(self, uid: int, groups: list[list[int]], where: dict[int, int]) -> bool:
        """Add one person to the best open group; that group then closes."""
        home = self.best_home(uid, groups, where)
        if home is None:
            return False
        for member in groups[home]:
            where.pop(member, None)
        groups[home].append(uid)
        return True

    def group_score(self, members: list[int]) -> float:
        return sum(
            self.edge_score(self.by_id[a], self.by_id[b])
            for i, a in enumerate(members)
            for b in members[i + 1 :]
        )

    def finish(self, groups: list[list[int]]) -> list[Group]:
        out = []
        for members in groups:
            people = [self.by_id[m] for m in members]
            out.append(Group(tuple(members), shared_of(people, self.weights), self.group_score(members)))
        return out


def match_people(
    people: Sequence[Person],
    *,
    blocked: Collection[Pair] = frozenset(),
    connected: Collection[Pair] = frozenset(),
    seed: int = 0,
    group_size: int = 2,
) -> tuple[list[Group], list[int]]:
    """Groups of two (plus one trio when the count is odd), or of three when `group_size` is 3.

    Every group shares an interest: `blocked` pairs are never grouped (recent introductions),
    `connected` pairs (already talking) are preferred less, and time zones only break ties.
    Returns the groups and the people left out (nobody who shares an interest with them was
    free); they wait for the next round.
    """
    matcher = _Matcher(people, blocked, connected, seed)
    groups, alone = matcher.greedy()  # time zones only break ties between shared interests
    if group_size >= 3:
        groups, alone = _into_trios(matcher, groups, alone)
    unplaced: list[int] = []
    open_pairs = {m: i for i, g in enumerate(groups) if len(g) == 2 for m in g}
    trio_allowed = group_size >= 3 or not any(len(g) == 3 for g in groups)
    for uid in alone:
        if trio_allowed and matcher.place(uid, groups, open_pairs):
            trio_allowed = group_size >= 3
        else:
            unplaced.append(uid)
    return matcher.finish(groups), unplaced


def _into_trios(
    matcher: _Matcher, pairs: list[list[int]], alone: list[int]
) -> tuple[list[list[int]], list[int]]:
    """Keep the best pairs as cores and spread the members of the others over them."""
    total = 2 * len(pairs) + len(alone)
    cores_wanted = total // 3 + (1 if total % 3 else 0)
    ranked = sorted(pairs, key=lambda g: -matcher.group_score(g))
    cores = ranked[:cores_wanted]
    singles = [m for g in ranked[cores_wanted:] for m in g] + alone
    open_cores = {m: i for i, g in enumerate(cores) for m in g}
    left = [uid for uid in singles if not matcher.place(uid, cores, open_cores)]
    regrouped, still = matcher.pair_by_interest(left)
    return cores + regrouped, still
