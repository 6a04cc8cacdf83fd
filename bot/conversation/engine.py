"""The conversation engine: events in, facts out. Pure, in memory, bounded (a window of recent
messages per channel, a capped message index, questions aged out after `question_ttl_days`)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.conversation import text
from bot.conversation.clock import Clock
from bot.conversation.events import (
    AnswerMarked,
    Event,
    MemberJoined,
    MemberLeft,
    MessageCreated,
    MessageDeleted,
    MessageEdited,
    QuestionMarked,
    QuestionResolved,
    ReactionAdded,
    ReactionRemoved,
    ThreadCreated,
)
from bot.conversation.facts import Fact, InteractionFact, MemberFact, MessageFact, MessageGone, QuestionFact
from bot.conversation.flow import ChannelFlow, FlowParams, Msg, Target, active_flows
from bot.conversation.linking import NameKeys, infer_flow, target_message
from bot.conversation.questions import (
    RESOLVE_EMOJI,
    QuestionState,
    after_response,
    checked,
    help_confidence,
    is_help_question,
    latest_unresolved,
    looks_like_question,
    run_start,
    unchecked,
)
from bot.conversation.reply_model import Decision


@dataclass(frozen=True, slots=True)
class GuildRules:
    help_channel_ids: frozenset[int] = frozenset()
    excluded_channel_ids: frozenset[int] = frozenset()
    snippet_chars: int = 140
    forum_posts_are_questions: bool = True
    tracking_enabled: bool = True
    opted_out_user_ids: frozenset[int] = frozenset()


@dataclass(slots=True)
class _Thread:
    owner_id: int
    root_message_id: int | None


class Engine:
    def __init__(self, clock: Clock, rules: Callable[[int], GuildRules] | None = None, *,
                 params: FlowParams | None = None, question_ttl_days: int = 14, index_size: int = 200_000) -> None:
        self._clock = clock
        default_rules = GuildRules()
        self._rules = rules or (lambda _guild_id: default_rules)
        self._params = params or FlowParams()
        self.question_ttl = timedelta(days=question_ttl_days)  # also how far back a restart restores
        self._index_size = index_size
        self._flows: dict[int, ChannelFlow] = {}
        self._index: OrderedDict[int, Msg] = OrderedDict()
        self._questions: dict[int, QuestionState] = {}
        self._threads: OrderedDict[int, _Thread] = OrderedDict()
        self._bots: set[int] = set()
        self._names = NameKeys()
        self._count = 0

    # ----------------------------------------------------------------- public API
    def handle(self, event: Event) -> list[Fact]:
        if isinstance(event, MessageCreated):
            return self._on_message(event)
        if isinstance(event, MessageEdited):
            return self._on_edit(event)
        if isinstance(event, MessageDeleted):
            return self._on_delete(event)
        if isinstance(event, ReactionAdded):
            return self._on_reaction(event)
        if isinstance(event, ReactionRemoved):
            return unchecked(self._questions, self._index.get(event.message_id), event)
        if isinstance(event, ThreadCreated):
            return self._on_thread(event)
        if isinstance(event, MemberJoined):
            if event.is_bot:
                self._bots.add(event.user_id)
            return [MemberFact(event.guild_id, event.user_id, event.at, event.is_bot, joined_at=event.at)]
        if isinstance(event, MemberLeft):
            return [MemberFact(event.guild_id, event.user_id, event.at, event.user_id in self._bots, left_at=event.at)]
        if isinstance(event, QuestionMarked):
            return self._on_question_marked(event)
        if isinstance(event, AnswerMarked):
            return self._on_answer_marked(event)
        if isinstance(event, QuestionResolved):
            return self._on_resolved(event.question_message_id, event.by_user_id, event)
        return []

    def finish(self) -> list[Fact]:
        return []  # nothing is held back between messages, so a replay has nothing to settle

    def restore(self, questions: Iterable[QuestionFact], recent: Iterable[MessageFact] = ()) -> None:
        for fact in questions:
            self._questions[fact.message_id] = QuestionState.from_fact(fact)
        for mf in sorted(recent, key=lambda f: f.created_at):
            if mf.is_bot:
                self._bots.add(mf.author_id)
                continue
            state = self._questions.get(mf.message_id)
            msg = Msg(mf.message_id, mf.channel_id, mf.author_id, mf.created_at.timestamp(),
                      question_id=mf.message_id if state is not None else None, is_question=state is not None,
                      answered=state is not None and state.status != "open")
            self._remember(self._flow(mf.channel_id), msg)

    def open_questions(self, guild_id: int) -> list[QuestionFact]:
        found = [q for q in self._questions.values() if q.guild_id == guild_id and q.status == "open"]
        return [q.to_fact() for q in sorted(found, key=lambda q: q.asked_at)]

    def question(self, message_id: int) -> QuestionFact | None:
        state = self._questions.get(message_id)
        return state.to_fact() if state is not None else None

    # ----------------------------------------------------------------- messages
    def _on_message(self, ev: MessageCreated) -> list[Fact]:
        rules = self._rules(ev.guild_id)
        if not self._tracked(rules, ev.channel_id, ev.parent_channel_id):
            return []
        if ev.author_is_bot:
            self._bots.add(ev.author_id)
            self._flow(ev.channel_id).read(ev.message_id, ev.author_id, ev.created_at.timestamp(), ev.content,
                                           ev.mentions, ev.author_name, True)
            return [MessageFact(ev.guild_id, ev.channel_id, ev.message_id, ev.author_id, ev.created_at,
                                ev.parent_channel_id, is_bot=True)]
        if ev.author_id in rules.opted_out_user_ids:
            return []
        self._count += 1
        if self._count % 5000 == 0:
            self._prune()
        flow = self._flow(ev.channel_id)
        ts = ev.created_at.timestamp()
        author = ev.author_id
        reading = flow.read(ev.message_id, author, ts, ev.content, ev.mentions, ev.author_name, False)
        read_parent = reading.parent_id if reading is not None else None
        read_author = reading.parent_author_id if reading is not None else None
        targets: list[Target] = []
        parent_id: int | None = None
        if ev.reference_message_id is not None:
            ref = self._index.get(ev.reference_message_id)
            ref_author = ev.reference_author_id if ev.reference_author_id is not None else (
                ref.author_id if ref is not None else None)
            parent_id = ev.reference_message_id
            if ref_author is not None and ref_author != author and self._counts(ref_author, rules):
                targets.append(Target(ref_author, ev.reference_message_id, "reply"))
        mentioned = [m for m in dict.fromkeys(ev.mentions) if m != author and self._counts(m, rules)]
        thread = self._thread_of(ev)
        if thread is not None and ev.is_thread_starter and thread.root_message_id not in self._index:
            thread.root_message_id = ev.message_id  # a thread started from a known message keeps that message
        if (
            thread is not None
            and not ev.is_thread_starter
            and not targets
            and all(m == thread.owner_id for m in mentioned)
            and thread.owner_id != author
            and self._counts(thread.owner_id, rules)
        ):
            root = thread.root_message_id or target_message(flow, thread.owner_id)
            targets.append(Target(thread.owner_id, root, "thread"))
            parent_id = parent_id or root
            mentioned = []
        for user in mentioned:
            if all(t.user_id != user for t in targets):
                mid = read_parent if read_author == user else target_message(flow, user)
                targets.append(Target(user, mid, "mention"))
                if parent_id is None:
                    parent_id = mid

        help_channel = ev.channel_id in rules.help_channel_ids or ev.parent_channel_id in rules.help_channel_ids
        shaped = looks_like_question(ev.content, help_channel=help_channel)
        explicit = bool(targets) or (text.starts_with_address(ev.content) and not text.addresses_group(ev.content))
        words = text.content_words(ev.content)
        if not targets and not explicit:
            if thread is not None and thread.owner_id == author and thread.root_message_id is not None:
                parent_id = thread.root_message_id
            else:
                if flow.params.reply_reading == "model":
                    inferred, parent_id = None, (read_parent if read_author == author else None)
                else:
                    inferred, parent_id = infer_flow(flow, author, ts, ev.content, is_question=shaped, words=words)
                if inferred is not None and read_author == inferred.user_id and not inferred.passing:
                    inferred = Target(inferred.user_id, read_parent, inferred.kind, inferred.named)
                    parent_id = read_parent
                elif inferred is None and reading is not None and not shaped:  # a question opens its own
                    link = self._model_link(flow, reading, author, ts, ev.content)
                    if link is not None and self._counts(link.user_id, rules):
                        inferred, parent_id = link, link.message_id
                if inferred is not None and self._counts(inferred.user_id, rules):
                    targets.append(inferred)

        parent = self._index.get(parent_id) if parent_id is not None else None
        msg = Msg(ev.message_id, ev.channel_id, author, ts, name=self._names.key(ev.author_name),
                  targets=tuple(t.user_id for t in targets), parent_id=parent_id,
                  question_id=parent.question_id if parent is not None else None, shaped=shaped, words=words,
                  explicit=explicit, greeting=text.is_greeting(ev.content),
                  yes_no=shaped and text.is_yes_no_question(ev.content))
        if parent is None and thread is not None and thread.root_message_id in self._questions:
            msg.question_id = thread.root_message_id
        facts: list[Fact] = []
        new_question = self._starts_question(ev, rules, msg, shaped, explicit, thread, help_channel)
        if new_question is not None and targets and msg.question_id is not None:
            # a question sent as a reply still responds in the conversation it replies to
            facts.extend(self._progress(msg, ev.content, ev.created_at))
        if new_question is not None:
            first = msg if new_question.source != "auto" else run_start(self._index, flow, msg, ev.content) or msg
            if first is not msg:  # the question began with the asker's own earlier line
                new_question.message_id, new_question.asked_at = first.message_id, self._index_time(first)
                facts.append(MessageFact(ev.guild_id, ev.channel_id, first.message_id, author, new_question.asked_at,
                                         ev.parent_channel_id, is_question=True))
            msg.question_id = first.question_id = first.message_id
            first.is_question = first.asks = True
            self._questions[first.message_id] = new_question
        asked = self._questions.get(msg.question_id) if msg.question_id is not None else None
        msg.asks = asked is not None and asked.asker_id == author
        settled = (
            new_question is None
            and asked is not None
            and msg.asks
            and asked.status != "resolved"
            and text.is_self_solved(ev.content)
            and asked.resolve(author, ev.created_at)
        )
        facts.append(MessageFact(ev.guild_id, ev.channel_id, ev.message_id, author, ev.created_at,
                                 ev.parent_channel_id, is_question=msg.is_question))
        for t in targets:
            facts.append(InteractionFact(ev.guild_id, ev.channel_id, ev.message_id, author, t.user_id,
                                         t.message_id, t.kind, ev.created_at))
            if not t.passing:  # a greeting returned or a one-word verdict starts no exchange
                flow.link(author, t.user_id, ts, ev.message_id, explicit=t.kind != "inferred" or t.named)
            answered = self._index.get(t.message_id) if t.message_id is not None and not t.passing else None
            if answered is not None:
                answered.answered = True
        if new_question is not None:
            facts.append(new_question.to_fact())
        elif settled and asked is not None:
            facts.append(asked.to_fact())
        elif msg.question_id is not None and (targets or parent_id is not None):
            facts.extend(self._progress(msg, ev.content, ev.created_at))
        if targets and new_question is None:
            facts += after_response(flow, self._questions, ev.guild_id, msg, targets, ev.content, ev.created_at)
        self._remember(flow, msg)
        return facts

    def _starts_question(self, ev: MessageCreated, rules: GuildRules, msg: Msg, shaped: bool,
                         explicit: bool, thread: _Thread | None, help_channel: bool) -> QuestionState | None:
        source: str | None = None
        if ev.is_thread_starter and ev.channel_kind == "forum_post" and rules.forum_posts_are_questions:
            source = "forum"
        elif ev.is_thread_starter and thread is not None and thread.root_message_id in self._questions:
            source = None
        elif shaped and is_help_question(ev.content, help_channel=True) and (
            (not explicit and not msg.targets) or self._asks_in_reply(ev, msg)
        ):
            own = self._questions.get(msg.question_id) if msg.question_id is not None else None
            if own is None or own.asker_id != ev.author_id or own.status != "open" or self._another(own, msg, ev.content):
                source = "auto"
        if source is None:
            return None
        return QuestionState(
            guild_id=ev.guild_id, channel_id=ev.channel_id, message_id=ev.message_id,
            asker_id=ev.author_id, asked_at=ev.created_at,
            snippet=text.snippet(ev.content, rules.snippet_chars), topics=text.topics(ev.content),
            parent_channel_id=ev.parent_channel_id, source="forum" if source == "forum" else "auto",
            confidence=1.0 if source == "forum" else help_confidence(ev.content, help_channel=help_channel),
        )

    def _model_link(self, flow: ChannelFlow, reading: Decision, author: int, ts: float,
                    content: str) -> Target | None:
        """The member an unaddressed line answers by the message-link model, when the rules found
        none: the model's choice when it clears its probability, or, in a quiet channel, the one
        open question just asked there when the model gives it a fair chance."""
        p = flow.params
        if p.reply_reading not in ("member", "model"):
            return None
        user: int | None
        mid: int | None
        if reading.parent_author_id is not None and reading.probability >= p.reply_link_probability:
            user, mid = reading.parent_author_id, reading.parent_id
        elif (
            reading.candidate_probability >= p.quiet_link_probability
            and not text.is_greeting(content)
            and len(text.content_words(content)) >= 2  # something to say, not "good morning"
            and self._quiet_question(flow, reading.candidate_id, author, ts)
        ):
            user, mid = reading.candidate_author_id, reading.candidate_id
        else:
            return None
        if user is None or user == author or user in self._bots or self._read_by_rules(flow, user, content):
            return None
        return Target(user, mid, "inferred")

    def _quiet_question(self, flow: ChannelFlow, message_id: int | None, author: int, ts: float) -> bool:
        """`message_id` is an unanswered question (or one of its asker's lines about it) in a quiet
        channel: nobody but its asker spoke there within the quiet window."""
        target = flow.find(message_id) if message_id is not None else None
        if target is None or target.author_id == author:
            return False
        asked = self._index.get(target.question_id) if target.asks and target.question_id is not None else None
        question = asked or target
        if not question.shaped or question.answered:
            return False
        horizon = ts - flow.params.quiet_seconds
        return all(msg.author_id == target.author_id for msg in flow.recent() if msg.ts >= horizon)

    @staticmethod
    def _read_by_rules(flow: ChannelFlow, candidate: int, content: str) -> bool:
        """Lines the typed-name and verdict rules have already read and left unlinked: a bare
        yes/no or acknowledgement, or one naming the candidate as a thing ("works in ubuntu")."""
        if text.is_acknowledgement(content) or text.is_yes_no_answer(content):
            return True
        last = flow.last_by(candidate)
        return last is not None and last.name is not None and last.name in content.lower()

    @staticmethod
    def _asks_in_reply(ev: MessageCreated, msg: Msg) -> bool:
        """A full question sent with the reply button (not a quick "what do you mean?")."""
        return (
            ev.reference_message_id is not None
            and msg.words is not None
            and len(msg.words) >= 3
            and not text.is_clarification(ev.content)
        )

    def _another(self, own: QuestionState, msg: Msg, content: str) -> bool:
        """The asker's new question shares no content with their open one and does not point back
        at it ("is it normal?"): a question of its own."""
        first = self._index.get(own.message_id)
        words = msg.words or frozenset()
        return (
            first is not None
            and first.words is not None
            and len(words) >= 3
            and msg.ts - first.ts >= 30.0
            and first.words.isdisjoint(words)
            and not text.refers_back(content)
            and not text.share_a_word(own.snippet or "", content)
        )

    def _progress(self, msg: Msg, content: str, when: datetime) -> list[Fact]:
        """A response inside a question's conversation: answered, or resolved by the asker's thanks."""
        state = self._questions.get(msg.question_id) if msg.question_id is not None else None
        if state is None or state.status == "resolved":
            return []
        changed = False
        if msg.author_id != state.asker_id:
            changed = state.add_response(msg.message_id, msg.author_id, when)
            qmsg = self._index.get(state.message_id)
            if qmsg is not None:
                qmsg.answered = True
        elif state.status == "answered" and text.is_thanks(content) and (
            any(t in state.responders for t in msg.targets) or not msg.targets
        ):
            changed = state.resolve(msg.author_id, when)  # thanks to a responder, or to nobody in particular
        return [state.to_fact()] if changed else []

    # ----------------------------------------------------------------- other events
    def _on_edit(self, ev: MessageEdited) -> list[Fact]:
        rules = self._rules(ev.guild_id)
        msg = self._index.get(ev.message_id)
        if msg is None or not self._tracked(rules, ev.channel_id, None):
            return []
        facts: list[Fact] = []
        flow = self._flow(msg.channel_id)
        for user in dict.fromkeys(ev.mentions):
            if user == msg.author_id or user in msg.targets or not self._counts(user, rules):
                continue
            msg.targets = (*msg.targets, user)
            facts.append(InteractionFact(ev.guild_id, msg.channel_id, msg.message_id, msg.author_id, user,
                                         target_message(flow, user), "mention", ev.edited_at))
        state = self._questions.get(msg.message_id) if msg.is_question else None
        if state is not None and state.status != "resolved" and text.is_self_solved(ev.content):
            if state.resolve(msg.author_id, ev.edited_at):  # "EDIT: solved"
                facts.append(state.to_fact())
            return facts
        if (
            not msg.is_question
            and not msg.targets
            and not text.starts_with_address(ev.content)
            and is_help_question(ev.content, help_channel=msg.channel_id in rules.help_channel_ids)
        ):
            in_help = msg.channel_id in rules.help_channel_ids
            state = QuestionState(ev.guild_id, msg.channel_id, msg.message_id, msg.author_id,
                                  self._index_time(msg), snippet=text.snippet(ev.content, rules.snippet_chars),
                                  topics=text.topics(ev.content),
                                  confidence=help_confidence(ev.content, help_channel=in_help))
            self._questions[msg.message_id] = state
            msg.is_question = True
            msg.question_id = msg.message_id
            facts.append(state.to_fact())
        return facts

    def _on_delete(self, ev: MessageDeleted) -> list[Fact]:
        msg = self._index.pop(ev.message_id, None)
        if msg is not None:
            flow = self._flows.get(msg.channel_id)
            if flow is not None:
                flow.remove(ev.message_id)
        self._questions.pop(ev.message_id, None)
        return [MessageGone(ev.guild_id, ev.message_id, ev.deleted_at)]

    def _on_reaction(self, ev: ReactionAdded) -> list[Fact]:
        rules = self._rules(ev.guild_id)
        if ev.user_is_bot or not self._tracked(rules, ev.channel_id, None):
            return []
        msg = self._index.get(ev.message_id)
        author = ev.message_author_id if ev.message_author_id is not None else (
            msg.author_id if msg is not None else None)
        if author is None or not self._counts(ev.user_id, rules):
            return []
        facts: list[Fact] = []
        repeat = msg is not None and ev.user_id in msg.reactors
        if msg is not None and not repeat:
            msg.reactors = (*msg.reactors, ev.user_id)
        if author != ev.user_id and self._counts(author, rules) and not repeat:
            facts.append(InteractionFact(ev.guild_id, ev.channel_id, ev.message_id, ev.user_id, author,
                                         ev.message_id, "reaction", ev.at))
        if ev.emoji in RESOLVE_EMOJI:  # on the question, a response, or an answer nothing linked
            qid = ev.message_id if ev.message_id in self._questions else (msg.question_id if msg else None)
            state = self._questions.get(qid) if qid is not None else None
            if (state is None or state.asker_id != ev.user_id) and msg is not None and author != ev.user_id:
                state = latest_unresolved(self._flows.get(msg.channel_id), self._questions, ev.user_id, msg)
            if checked(state, ev.user_id, ev.message_id, author, ev.at) and state is not None:
                facts.append(state.to_fact())
        return facts

    def _on_thread(self, ev: ThreadCreated) -> list[Fact]:
        root = ev.thread_id if ev.thread_id in self._index or ev.is_forum_post else None
        self._threads[ev.thread_id] = _Thread(self._owner_of(ev.thread_id, ev.owner_id), root)
        if len(self._threads) > self._index_size // 10:
            self._threads.popitem(last=False)
        return []

    def _on_question_marked(self, ev: QuestionMarked) -> list[Fact]:
        msg = self._index.get(ev.message_id)
        if ev.message_id in self._questions:
            return []
        asker = ev.author_id if ev.author_id is not None else (msg.author_id if msg is not None else ev.by_user_id)
        asked = self._index_time(msg) if msg is not None else ev.at
        state = QuestionState(ev.guild_id, ev.channel_id, ev.message_id, asker, asked, source="manual")
        self._questions[ev.message_id] = state
        if msg is not None:
            msg.is_question = True
            msg.question_id = ev.message_id
        return [state.to_fact()]

    def _on_answer_marked(self, ev: AnswerMarked) -> list[Fact]:
        state = self._questions.get(ev.question_message_id)
        if state is None:
            return []
        state.add_response(ev.answer_message_id, ev.answer_author_id, ev.at)
        state.resolve(ev.by_user_id, ev.at)
        return [state.to_fact()]

    def _on_resolved(self, question_id: int, by_user_id: int, ev: QuestionResolved) -> list[Fact]:
        state = self._questions.get(question_id)
        if state is None or not state.resolve(by_user_id, ev.at):
            return []
        return [state.to_fact()]

    # ----------------------------------------------------------------- helpers
    def _tracked(self, rules: GuildRules, channel_id: int, parent_id: int | None) -> bool:
        return rules.tracking_enabled and channel_id not in rules.excluded_channel_ids and (
            parent_id is None or parent_id not in rules.excluded_channel_ids)

    def _counts(self, user_id: int, rules: GuildRules) -> bool:
        return user_id not in self._bots and user_id not in rules.opted_out_user_ids

    def _flow(self, channel_id: int) -> ChannelFlow:
        flow = self._flows.get(channel_id)
        if flow is None:
            flow = self._flows[channel_id] = ChannelFlow(self._params)
        return flow

    def _thread_of(self, ev: MessageCreated) -> _Thread | None:
        if ev.channel_kind == "text":
            return None
        thread = self._threads.get(ev.channel_id)
        if thread is None and ev.thread_owner_id is not None:
            root = ev.channel_id if ev.channel_kind == "forum_post" or ev.channel_id in self._index else None
            owner = self._owner_of(ev.channel_id, ev.thread_owner_id)
            thread = self._threads[ev.channel_id] = _Thread(owner, root)
        return thread

    def _owner_of(self, thread_id: int, creator_id: int) -> int:
        """A thread started from a message belongs to that message's author (Discord gives the
        thread the message's id), whoever opened it; otherwise to whoever opened it."""
        started_from = self._index.get(thread_id)
        return started_from.author_id if started_from is not None else creator_id

    def _remember(self, flow: ChannelFlow, msg: Msg) -> None:
        flow.add(msg)
        self._index[msg.message_id] = msg
        if len(self._index) > self._index_size:
            self._index.popitem(last=False)

    def _index_time(self, msg: Msg | None) -> datetime:
        return datetime.fromtimestamp(msg.ts, UTC) if msg is not None else self._clock.now()

    def _prune(self) -> None:
        now = self._clock.now()
        cutoff = now - self.question_ttl
        self._questions = {k: q for k, q in self._questions.items() if q.asked_at >= cutoff}
        self._flows = active_flows(self._flows, now.timestamp() - self._params.window_seconds)
