"""Fit the message-link model (`bot/conversation/reply_model.py`) on the annotated training logs.

usage: python -m bench.fit_reply_model [--data DIR] [--folds 5] [--hidden 32] [--epochs 8]
                                       [--out PATH] [--cv-only] [--no-cv]

Reads every `*.export.json(.gz)` with its `*.gold.json(.gz)` in DIR, streams each log through
`reply_model.Window` and `reply_model.features` (the code live reading uses), and keeps, for
every annotated message, its candidate rows and which rows are its annotated parents (row 0,
"self", when it starts a conversation). The scorer is a one-hidden-layer network trained with
a softmax over each message's candidates (Adam, fixed seed). Cross-validation is by log
(grouped folds: no log is split); it prints the link accuracy and the benchmark scorer's
graph_link_f1 / reply_target_f1 / member_pair_f1 over the held-out folds, then fits on all
logs and writes the weights JSON.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse
import gzip
import importlib.util
import json
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from bot.conversation import reply_model as rm

TRAIN = Path("/work/shared/benchmarks/ubuntu-irc-train")
SCORER = Path("/work/shared/benchmarks/score.py")
SEED = 20190728
N_COMMON = 1500  # most frequent words of the training logs: "common" (not rare) for shared_rare
MAX_ROWS = rm.MAX_LINES + 1
QUIET_SHARES = (0.05, 0.2)  # besides each log, fit on copies keeping only this share of its conversations


def read_json(path: Path) -> Any:
    if path.suffix == ".gz":
        with gzip.open(path, "rt", encoding="utf-8") as f:
            return json.load(f)
    return json.loads(path.read_text(encoding="utf-8"))


def log_pairs(data: Path) -> list[tuple[str, Path, Path]]:
    out = []
    for export in sorted(data.glob("*.export.json*")):
        name = export.name.split(".export.json")[0]
        gold = export.with_name(export.name.replace(".export.json", ".gold.json"))
        if gold.exists():
            out.append((name, export, gold))
    return out


def raw_lines(export: dict[str, Any]) -> list[tuple[int, int, float, str, tuple[int, ...], str, bool]]:
    """The export's messages as plain tuples (id, author, seconds, text, mentions, name, bot)."""
    out = []
    for m in export["messages"]:
        a = m["author"]
        out.append((
            int(m["id"]),
            int(a["id"]),
            datetime.fromisoformat(m["timestamp"]).timestamp(),
            m.get("content") or "",
            tuple(int(x["id"]) for x in m.get("mentions", [])),
            a.get("nickname") or a.get("name") or "",
            bool(a.get("isBot")),
        ))
    return out


def common_words(logs: list[list[tuple[Any, ...]]]) -> list[str]:
    """The most frequent content tokens (document frequency over lines) of the given logs."""
    df: Counter[str] = Counter()
    for lines in logs:
        for ln in lines:
            words = (w.strip(rm._STRIP) for w in ln[3].lower().split() if not w.startswith("@"))
            df.update(set(rm.content_words(words)))
    return [w for w, _ in df.most_common(N_COMMON)]


@dataclass
class LogExamples:
    name: str
    gold: dict[str, Any]
    ids: list[int] = field(default_factory=list)  # annotated message ids, one per example
    x: list[np.ndarray] = field(default_factory=list)  # (rows, F): self row, then the candidates
    cands: list[list[int | None]] = field(default_factory=list)  # row -> parent id (None = self)
    targets: list[np.ndarray] = field(default_factory=list)  # (rows,) bool: an annotated parent
    chosen: list[int | None] = field(default_factory=list)  # the model's parent (when replayed with one)


def to_lines(raw: list[tuple[Any, ...]], common: frozenset[str]) -> list[rm.Line]:
    return [rm.make_line(mid, a, ts, text, men, name, bot, common) for mid, a, ts, text, men, name, bot in raw]


def build(name: str, lines: list[rm.Line], gold: dict[str, Any], model: rm.ReplyModel | None) -> LogExamples:
    """Stream the log as live reading does; keep the annotated messages' candidate rows.

    With a model, each line's chosen parent goes into the window (as `ReplyReader` does), so the
    features that read earlier decisions see the model's own; without one they see none.
    """
    annotated = {int(m) for m in gold["annotated_message_ids"]}
    parents: dict[int, set[int]] = defaultdict(set)
    for c, p in gold["links"]:
        if int(c) != int(p):
            parents[int(c)].add(int(p))
    ex = LogExamples(name, gold)
    win = rm.Window()
    for line in lines:
        mid = line.message_id
        addressed = win.addressed(line)
        x, valid = rm.features(win, line, addressed)
        parent_author: int | None = None
        best = 0
        if model is not None:
            best, *_ = model.decide(x, valid)
            if best:
                parent_author = int(win.author[best - 1])
        if mid in annotated:
            slots = np.flatnonzero(valid)
            cands: list[int | None] = [None] + [win.ids[int(s)] for s in slots]
            gp = parents.get(mid)
            t = np.array([c in gp for c in cands]) if gp else np.array([c is None for c in cands])
            ex.ids.append(mid)
            ex.x.append(x[np.concatenate(([0], slots + 1))])
            ex.cands.append(cands)
            ex.targets.append(t)
            ex.chosen.append(win.ids[best - 1] if best else None)
        win.push(line, addressed, parent_author)
    return ex


def quiet_copy(name: str, lines: list[rm.Line], gold: dict[str, Any], share: float,
               seed: int) -> tuple[str, list[rm.Line], dict[str, Any]]:
    """The log as a quieter channel: only a random share of its conversations (annotated threads).

    Conversations are the connected groups of the annotation's links; a kept conversation keeps
    all its lines, so every kept link is whole. Teaches the model what a lone question and its
    answer look like when little else is said (as in small Discord channels).
    """
    up: dict[int, int] = {}

    def root(m: int) -> int:
        while up.get(m, m) != m:
            m = up[m] = up.get(up[m], up[m])
        return m

    for c, p in gold["links"]:
        rc, rp = root(int(c)), root(int(p))
        if rc != rp:
            up[rc] = rp
    rng = np.random.default_rng(seed)
    chosen: dict[int, bool] = {}
    kept = []
    for line in lines:
        r = root(line.message_id)
        if r not in chosen:
            chosen[r] = bool(rng.random() < share)
        if chosen[r]:
            kept.append(line)
    ids = {str(line.message_id) for line in kept}
    sub = dict(gold, annotated_message_ids=[m for m in gold["annotated_message_ids"] if m in ids])
    return f"{name}~quiet{share}", kept, sub


def with_quiet_copies(logs: list[tuple[str, list[rm.Line], dict[str, Any]]],
                      ) -> list[tuple[str, list[rm.Line], dict[str, Any]]]:
    out = list(logs)
    for i, (name, lines, gold) in enumerate(logs):
        for j, share in enumerate(QUIET_SHARES):
            out.append(quiet_copy(name, lines, gold, share, SEED + 1000 * j + i))
    return out


def fit_rounds(logs: list[tuple[str, list[rm.Line], dict[str, Any]]], rounds: int, hidden: int, epochs: int,
               l2: float) -> dict[str, Any]:
    """Round 0 fits without earlier decisions; each later round replays with the previous model."""
    model: rm.ReplyModel | None = None
    params: dict[str, Any] = {}
    logs = with_quiet_copies(logs)
    for _ in range(rounds):
        exs = [build(name, lines, gold, model) for name, lines, gold in logs]
        params = train(*pad(exs), hidden=hidden, epochs=epochs, l2=l2)
        model = rm.ReplyModel(params)
    return params


def pad(exs: list[LogExamples]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stack examples into (N, MAX_ROWS, F) features, (N, MAX_ROWS) valid rows and targets."""
    n = sum(len(e.x) for e in exs)
    x = np.zeros((n, MAX_ROWS, rm.F), dtype=np.float32)
    valid = np.zeros((n, MAX_ROWS), dtype=bool)
    tgt = np.zeros((n, MAX_ROWS), dtype=bool)
    i = 0
    for e in exs:
        for xi, ti in zip(e.x, e.targets, strict=True):
            r = len(xi)
            x[i, :r] = xi
            valid[i, :r] = True
            tgt[i, :r] = ti
            i += 1
    return x, valid, tgt


def train(x: np.ndarray, valid: np.ndarray, tgt: np.ndarray, hidden: int, epochs: int,
          l2: float = 1e-4, lr: float = 3e-3, batch: int = 256) -> dict[str, Any]:
    """Softmax-over-candidates network: score = relu(((x-mean)/scale) W1 + b1) . w2."""
    rng = np.random.default_rng(SEED)
    keep = (tgt & valid).any(axis=1)  # examples whose annotated parent is among the candidates
    x, valid, tgt = x[keep], valid[keep], tgt[keep]
    rows = x[valid]
    mean = rows.mean(axis=0).astype(np.float64)
    scale = rows.std(axis=0).astype(np.float64)
    scale[scale < 1e-6] = 1.0
    mean[0] = 0.0  # is_self stays 0/1
    scale[0] = 1.0
    f = x.shape[2]
    w1 = (rng.standard_normal((f, hidden)) * np.sqrt(2.0 / f)).astype(np.float32)
    b1 = np.zeros(hidden, dtype=np.float32)
    w2 = (rng.standard_normal(hidden) * np.sqrt(1.0 / hidden)).astype(np.float32)
    params = [w1, b1, w2]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    mean32, scale32 = mean.astype(np.float32), scale.astype(np.float32)
    n = len(x)
    step = 0
    for epoch in range(epochs):
        order = rng.permutation(n)
        rate = lr * (0.5 ** max(0, epoch - epochs // 2))  # halve every epoch in the second half
        for start in range(0, n, batch):
            idx = order[start:start + batch]
            xb = (x[idx] - mean32) / scale32  # (B, R, F)
            vb, tb = valid[idx], tgt[idx]
            pre = xb @ w1 + b1  # (B, R, H)
            h = np.maximum(pre, 0.0)
            s = h @ w2  # (B, R)
            s = np.where(vb, s, -1e9)
            s -= s.max(axis=1, keepdims=True)
            e = np.exp(s)
            p = e / e.sum(axis=1, keepdims=True)
            pg = np.where(tb, p, 0.0)
            q = pg / pg.sum(axis=1, keepdims=True)  # posterior over the gold rows
            ds = (p - q) / len(idx)  # d loss / d score, loss = -log sum_gold p
            gw2 = np.einsum("brh,br->h", h, ds)
            dh = ds[:, :, None] * w2[None, None, :]
            dh[pre <= 0] = 0.0
            gw1 = np.einsum("brf,brh->fh", xb, dh)
            gb1 = dh.sum(axis=(0, 1))
            grads = [gw1 + l2 * w1, gb1, gw2 + l2 * w2]
            step += 1
            for i, (pp, g) in enumerate(zip(params, grads, strict=True)):
                m[i] = 0.9 * m[i] + 0.1 * g
                v[i] = 0.999 * v[i] + 0.001 * g * g
                mh = m[i] / (1 - 0.9**step)
                vh = v[i] / (1 - 0.999**step)
                pp -= (rate * mh / (np.sqrt(vh) + 1e-8)).astype(np.float32)
    return {
        "features": list(rm.FEATURES),
        "mean": mean.tolist(),
        "scale": scale.tolist(),
        "w1": w1.astype(np.float64).tolist(),
        "b1": b1.astype(np.float64).tolist(),
        "w2": w2.astype(np.float64).tolist(),
    }


def load_scorer() -> Any:
    spec = importlib.util.spec_from_file_location("bench_score", SCORER)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def report_for(ex: LogExamples, chosen: list[int | None]) -> dict[str, Any]:
    """A community-analysis/1 report of the chosen parents (annotated messages only)."""
    authors = ex.gold["authors"]
    inter = []
    for mid, parent in zip(ex.ids, chosen, strict=True):
        if parent is None:
            continue
        inter.append({"message_id": str(mid), "source_user_id": authors[str(mid)],
                      "target_user_id": authors[str(parent)], "target_message_id": str(parent),
                      "kind": "inferred", "at": ""})
    return {"schema": "community-analysis/1", "questions": [], "interactions": inter}


def scores(scorer: Any, pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> dict[str, float]:
    agg: defaultdict[str, Any] = defaultdict(int)
    for k in ("msg_pred", "msg_gold", "pair_pred", "pair_gold", "graph_pred", "graph_gold"):
        agg[k] = set()
    for gold, report in pairs:
        scorer.score_pair(gold, report, agg)
    out = {}
    for key, (pk, gk) in {"graph_link_f1": ("graph_pred", "graph_gold"),
                          "reply_target_f1": ("msg_pred", "msg_gold"),
                          "member_pair_f1": ("pair_pred", "pair_gold")}.items():
        out[key] = scorer.prf(agg[pk], agg[gk])[2]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=TRAIN)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--hidden", type=int, default=32)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--l2", type=float, default=1e-4)
    ap.add_argument("--rounds", type=int, default=2, help="fits, each replaying with the previous model")
    ap.add_argument("--out", type=Path, default=rm.WEIGHTS_PATH)
    ap.add_argument("--cv-only", action="store_true")
    ap.add_argument("--no-cv", action="store_true")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    logs = log_pairs(args.data)
    raw = [(name, raw_lines(read_json(e)), read_json(g)) for name, e, g in logs]
    common = common_words([lines for _, lines, _ in raw])
    cset = frozenset(common)
    data = [(name, to_lines(lines, cset), gold) for name, lines, gold in raw]
    plain = [build(name, lines, gold, None) for name, lines, gold in data]
    n_ex = sum(len(e.x) for e in plain)
    covered = sum(int(t.any()) for e in plain for t in e.targets)
    print(f"{len(data)} logs, {sum(len(r[1]) for r in raw)} messages, {n_ex} annotated; "
          f"an annotated parent among the candidates for {covered / n_ex:.4f} "
          f"({time.perf_counter() - t0:.0f}s)")
    meta: dict[str, Any] = {"hidden": args.hidden, "epochs": args.epochs, "l2": args.l2, "rounds": args.rounds,
                            "seed": SEED, "max_lines": rm.MAX_LINES, "max_age": rm.MAX_AGE,
                            "train_logs": len(data)}
    if not args.no_cv:
        scorer = load_scorer()
        folds = [data[i::args.folds] for i in range(args.folds)]  # grouped by log, logs in name order
        pairs = []
        quiet_pairs = []
        right = total = 0
        for k in range(args.folds):
            fit_on = [d for j, f in enumerate(folds) if j != k for d in f]
            model = rm.ReplyModel(fit_rounds(fit_on, args.rounds, args.hidden, args.epochs, args.l2))
            fold_pairs = []
            for name, lines, gold in folds[k]:
                e = build(name, lines, gold, model)  # live reading of the held-out log
                right += sum(bool(t[cs.index(c)]) for c, t, cs in zip(e.chosen, e.targets, e.cands, strict=True))
                total += len(e.chosen)
                fold_pairs.append((e.gold, report_for(e, e.chosen)))
            pairs += fold_pairs
            for i, (name, lines, gold) in enumerate(folds[k]):
                qn, ql, qg = quiet_copy(name, lines, gold, QUIET_SHARES[0], SEED + 7 + i)
                e = build(qn, ql, qg, model)
                quiet_pairs.append((e.gold, report_for(e, e.chosen)))
            print(f"fold {k}: " + " ".join(f"{a}={b:.3f}" for a, b in scores(scorer, fold_pairs).items())
                  + f" ({time.perf_counter() - t0:.0f}s)")
        cv = scores(scorer, pairs)
        cv["link_accuracy"] = right / total
        print("cross-validated on train (by log): " + " ".join(f"{a}={b:.3f}" for a, b in cv.items()))
        quiet = scores(scorer, quiet_pairs)
        print(f"  the same logs as quiet channels ({QUIET_SHARES[0]:.0%} of their conversations): "
              + " ".join(f"{a}={b:.3f}" for a, b in quiet.items()))
        meta["cv"] = {k: round(v, 4) for k, v in cv.items()}
        meta["cv_quiet"] = {k: round(v, 4) for k, v in quiet.items()}
    if args.cv_only:
        return 0
    params = fit_rounds(data, args.rounds, args.hidden, args.epochs, args.l2)
    params["common"] = common
    params["meta"] = meta
    params = {k: ([round(x, 6) for x in v] if k in ("mean", "scale", "b1", "w2") else v) for k, v in params.items()}
    params["w1"] = [[round(x, 6) for x in row] for row in params["w1"]]
    args.out.write_text(json.dumps(params, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KB, {time.perf_counter() - t0:.0f}s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
