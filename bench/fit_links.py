"""Fit the link scorer (`bot/conversation/flow_model.py`) on annotated logs; write its weights JSON.

usage: python -m bench.fit_links [--logs dev] [--rounds 3] [--l2 1.0] [--out PATH] [--cv-only]

Replays each log through the Engine, recording for every unaddressed message the candidate
speakers and their features; a candidate is a positive example when the annotation links the
message to one of that member's messages. Because the features read the engine's own earlier
decisions (who was talking with whom), fitting repeats for a few rounds, each replay using the
previous round's weights. Prints a leave-one-log-out estimate (fit on the other logs, choose the
threshold there, score the left-out log) before fitting on all the chosen logs.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bench.accuracy import DEFAULT_DATA, pick_logs, read_export
from bot.conversation import flow_model as conv_model
from bot.conversation import linking as inference
from bot.conversation.clock import FakeClock
from bot.conversation.engine import Engine
from bot.conversation.flow import ChannelFlow, FlowParams, Msg
from bot.conversation.flow_model import FEATURES, LinkModel, Observation

START = LinkModel(
    weights=tuple({"log_gap": -1.0, "cand_addressed_author": 2.0, "partners": 2.0, "author_recent": -1.0,
                   "latest_speaker": 0.5, "cand_open_question": 1.0}.get(name, 0.0) for name in FEATURES),
    bias=-1.0,
    threshold=0.5,
)


@dataclass
class Placement:
    """One unaddressed annotated message: its candidates and the members it truly answers."""

    message_id: str
    authors: list[str]
    x: list[list[float]]
    gold: set[str]


@dataclass
class LogData:
    name: str
    placements: list[Placement] = field(default_factory=list)
    other_gold: int = 0  # gold links of these messages to members who were not candidates


@contextmanager
def recording(sink: list[tuple[list[int], list[list[float]]]]) -> Iterator[None]:
    """While active, every scored placement appends its candidates' authors and features to `sink`."""
    original = inference.choose_link

    def record(model: LinkModel, flow: ChannelFlow, obs: Observation) -> tuple[Msg, float] | None:
        found = conv_model.candidates(flow, obs)
        sink.append(([c.author_id for c, _ in found], [x for _, x in found]))
        return original(model, flow, obs)

    inference.choose_link = record
    try:
        yield
    finally:
        inference.choose_link = original


def collect(data_dir: Path, name: str, model: LinkModel) -> LogData:
    gold = json.loads((data_dir / f"{name}.gold.json").read_text(encoding="utf-8"))
    annotated = set(gold["annotated_message_ids"])
    authors: dict[str, str] = gold["authors"]
    bots = set(gold["bots"])
    parents: dict[str, set[str]] = {}
    for child, parent in gold["links"]:
        if authors[child] != authors[parent] and authors[parent] not in bots:
            parents.setdefault(child, set()).add(authors[parent])
    clock = FakeClock()
    engine = Engine(clock, params=FlowParams(link_model=model))
    out = LogData(name)
    sink: list[tuple[list[int], list[list[float]]]] = []
    with recording(sink):
        for event in read_export(data_dir / f"{name}.export.json"):
            clock.set(event.created_at)
            sink.clear()
            engine.handle(event)
            mid = str(event.message_id)
            if mid not in annotated or event.author_is_bot or not sink:
                continue
            cand_authors, xs = sink[0]
            truth = parents.get(mid, set())
            names = [str(a) for a in cand_authors]
            out.placements.append(Placement(mid, names, xs, truth))
            out.other_gold += len(truth - set(names))
    return out


def fit(rows_x: np.ndarray, rows_y: np.ndarray, l2: float) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression by Newton steps (bias unpenalised)."""
    n, d = rows_x.shape
    x = np.hstack([rows_x, np.ones((n, 1))])
    w = np.zeros(d + 1)
    reg = np.full(d + 1, l2)
    reg[-1] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        grad = x.T @ (p - rows_y) + reg * w
        hess = (x * (p * (1 - p))[:, None]).T @ x + np.diag(reg + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return w[:-1], float(w[-1])


N_CANDIDATE = len(conv_model.CANDIDATE_FEATURES)


def fit_ranking(logs: list[LogData], l2: float) -> tuple[np.ndarray, float]:
    """Conditional logit: each placement chooses one of its candidates or "nobody".

    A candidate's score uses the candidate features; the nobody option's score uses the message
    features and a bias (message features are the same for every candidate, so they only tell
    "somebody" from "nobody"). Fitted by Newton steps with the options' covariance as Hessian;
    returned in the logistic scorer's form (candidate score minus nobody score), so the engine
    scores both kinds of fit the same way."""
    d = len(FEATURES) + 1
    groups: list[tuple[np.ndarray, np.ndarray]] = []
    for log in logs:
        for pl in log.placements:
            phi = np.zeros((len(pl.x) + 1, d))
            for k, x in enumerate(pl.x):
                phi[k + 1, :N_CANDIDATE] = x[:N_CANDIDATE]
            if pl.x:
                phi[0, N_CANDIDATE:-1] = pl.x[0][N_CANDIDATE:]
            phi[0, -1] = 1.0
            gold = np.array([0.0] + [1.0 if a in pl.gold else 0.0 for a in pl.authors])
            if not gold.any():
                gold[0] = 1.0
            groups.append((phi, gold))
    theta = np.zeros(d)
    reg = np.full(d, l2)
    reg[-1] = 0.0
    for _ in range(100):
        grad = -reg * theta
        hess = np.diag(reg + 1e-9)
        for phi, gold in groups:
            s = phi @ theta
            p = np.exp(s - s.max())
            p /= p.sum()
            q = p * gold
            q /= q.sum()
            grad += (q - p) @ phi
            mean = p @ phi
            hess += (phi * p[:, None]).T @ phi - np.outer(mean, mean)
        step = np.linalg.solve(hess, grad)
        theta += step
        if np.max(np.abs(step)) < 1e-8:
            break
    w = np.concatenate([theta[:N_CANDIDATE], -theta[N_CANDIDATE:-1]])
    return w, float(-theta[-1])


def design(logs: list[LogData]) -> tuple[np.ndarray, np.ndarray]:
    xs: list[list[float]] = []
    ys: list[float] = []
    for log in logs:
        for pl in log.placements:
            for author, x in zip(pl.authors, pl.x, strict=True):
                xs.append(x)
                ys.append(1.0 if author in pl.gold else 0.0)
    return np.array(xs, dtype=float).reshape(-1, len(FEATURES)), np.array(ys)


def decisions(logs: list[LogData], w: np.ndarray, b: float) -> list[tuple[float, bool, int]]:
    """Per placement: best logit, whether the best candidate is right, and gold link count."""
    out: list[tuple[float, bool, int]] = []
    for log in logs:
        for pl in log.placements:
            if pl.x:
                z = np.array(pl.x) @ w + b
                k = int(np.argmax(z))
                out.append((float(z[k]), pl.authors[k] in pl.gold, len(pl.gold)))
            else:
                out.append((-math.inf, False, len(pl.gold)))
    return out


def f1_at(dec: list[tuple[float, bool, int]], cut: float) -> tuple[float, float, float]:
    tp = sum(1 for z, ok, _ in dec if z >= cut and ok)
    pred = sum(1 for z, _, _ in dec if z >= cut)
    gold = sum(g for _, _, g in dec)
    p = tp / pred if pred else 0.0
    r = tp / gold if gold else 0.0
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def best_threshold(dec: list[tuple[float, bool, int]]) -> float:
    best, best_f = 0.5, -1.0
    for t in np.arange(0.2, 0.81, 0.025):
        f = f1_at(dec, math.log(t / (1 - t)))[2]
        if f > best_f + 1e-9:
            best, best_f = float(t), f
    return best


def as_model(w: np.ndarray, b: float, threshold: float) -> LinkModel:
    return LinkModel(tuple(float(v) for v in w), b, threshold)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--logs", default="dev")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--l2", type=float, default=1.0)
    parser.add_argument("--out", type=Path, default=conv_model.WEIGHTS_FILE)
    parser.add_argument("--cv-only", action="store_true", help="print the leave-one-log-out estimate only")
    parser.add_argument("--ranking", action="store_true",
                        help="fit a conditional logit over the candidates and nobody instead of one logistic per candidate")
    args = parser.parse_args(argv)
    names = list(pick_logs(args.logs))
    model = START
    for round_no in range(args.rounds):
        logs = [collect(args.data, name, model) for name in names]
        x, y = design(logs)
        w, b = fit_ranking(logs, args.l2) if args.ranking else fit(x, y, args.l2)
        model = as_model(w, b, best_threshold(decisions(logs, w, b)))
        print(f"round {round_no + 1}: {len(y)} candidates, {int(y.sum())} positive, threshold {model.threshold:.3f}")
    print("leave-one-log-out (unaddressed messages only): precision recall f1")
    for i, name in enumerate(names):
        train = logs[:i] + logs[i + 1 :]
        w_i, b_i = fit_ranking(train, args.l2) if args.ranking else fit(*design(train), args.l2)
        cut_t = best_threshold(decisions(train, w_i, b_i))
        p, r, f = f1_at(decisions([logs[i]], w_i, b_i), math.log(cut_t / (1 - cut_t)))
        print(f"  {name:16s} {p:.3f} {r:.3f} {f:.3f}")
    if args.cv_only:
        return 0
    weights = {n: round(float(v), 4) for n, v in zip(FEATURES, model.weights, strict=True)}
    payload = {
        "features": list(FEATURES),
        "weights": weights,
        "bias": round(model.bias, 4),
        "threshold": round(model.threshold, 3),
        "fitted_on": names,
        "l2": args.l2,
        "note": "logistic link scorer, fitted by bench/fit_links.py on the IRC disentanglement corpus "
        "(Kummerfeld et al., ACL 2019, CC BY 4.0)",
    }
    args.out.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    for n, v in weights.items():
        print(f"  {n:24s} {v:+.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
