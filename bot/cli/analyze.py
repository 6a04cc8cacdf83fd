"""`python -m bot analyze`: replay exports through the engine into the store, then report."""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import logging
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tqdm import tqdm

from bot.cli.analyze_channels import help_channel_ids, keyed
from bot.cli.analyze_check import Decided, SideCheck, decisions, hold
from bot.cli.analyze_progress import Checkpoints, load_resume, source_key
from bot.cli.common import CliError, choose_database, open_exports, progress_enabled
from bot.cli.failures import opening_database
from bot.conversation.clock import FakeClock, SystemClock
from bot.conversation.engine import Engine, GuildRules
from bot.conversation.events import Event
from bot.conversation.facts import Fact
from bot.plural import plural
from bot.sources.exports import ExportError, ExportReader, ReadStats, merged_events
from bot.sources.pipeline import EventPipeline, RulesBook
from bot.sources.report import write_report
from bot.store.migrate import migrate
from bot.store.session import create_engine, make_sessionmaker
from bot.store.writer import BatchedWriter

log = logging.getLogger(__name__)


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "analyze",
        help="analyze DiscordChatExporter JSON exports of one server and write a report",
        description="Replays exports (one file per channel, thread or forum post) through Hearth's "
        "engine, stores what it learns, and writes the analysis report (community-analysis/1).",
    )
    parser.add_argument("exports", nargs="+", type=Path, metavar="EXPORT.json")
    parser.add_argument("--report", required=True, type=Path, metavar="REPORT.json")
    parser.add_argument(
        "--db", help="SQLite file or database URL (default: HEARTH_DATABASE_URL or hearth.db)"
    )
    parser.add_argument("--batch-size", type=int, default=2000, help="rows per write transaction")
    parser.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    parser.add_argument(
        "--help-channel", action="append", default=[], metavar="NAME",
        help="a help channel (its name as the export names it, with or without '#', or its id): an "
        "error paste or a statement of trouble there counts as a question, as in the bot's help "
        "channels; repeat for more",
    )
    parser.set_defaults(func=run)


@contextmanager
def batch_collector() -> Iterator[None]:
    """The garbage collector tuned for one long replay, restored afterwards.

    The engine keeps ~500,000 live objects at 1M messages (its message index, the questions of
    its window); with the default thresholds a full collection walks them all about every
    13,000 events: a quarter of the replay's CPU at 1M, half that at 100k. Start-up objects are
    frozen (never walked again) and a young collection waits for 50,000 net new objects, so
    cyclic garbage stays bounded while steady churn no longer triggers full walks.
    """
    thresholds = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def validate(readers: list[ExportReader]) -> ReadStats:
    """Read every export once before anything is written: a broken file changes nothing."""
    total = ReadStats()
    for reader in readers:
        total.merge(reader.check())
    return total


def _ticking(events: Iterator[Event], clock: FakeClock, bars: list[tqdm]) -> Iterator[Event]:
    for event in events:
        when = getattr(event, "created_at", None) or getattr(event, "at", None)
        if when is not None:
            clock.set(when)
        if bars and type(event).__name__ == "MessageCreated":
            bars[0].update()
        yield event


async def _replay(pipeline: EventPipeline, decided: Iterable[Decided], checkpoints: Checkpoints) -> None:
    """Write what the engine decided, except the facts a killed earlier run already committed."""
    buffer: list[Fact] = []
    for message_id, facts in decided:
        if message_id is not None:
            checkpoints.before_message(message_id)
        if checkpoints.keep(len(facts)) and facts:
            buffer.extend(facts)
            if len(buffer) >= 500:
                # full batches are written in the background while the engine goes on
                await pipeline.writer.write_behind(buffer)
                buffer = []
    if buffer:
        await pipeline.writer.write(buffer)


async def _ingest(
    pipeline: EventPipeline,
    decided: Iterable[Decided],
    checkpoints: Checkpoints,
    bars: list[tqdm],
    *,
    total_messages: int,
    held_messages: int,
    progress: bool,
) -> None:
    """Replay the exports into the store; each committed batch moves the resume mark."""
    bar = tqdm(total=total_messages, initial=held_messages, unit="msg", disable=not progress, leave=False)
    if progress:
        bars.append(bar)
    try:
        await _replay(pipeline, decided, checkpoints)
        await pipeline.finish()
    finally:
        bar.close()
        await pipeline.close()
    await checkpoints.finished()


async def _checked_beside(
    check: SideCheck, decided: Iterator[Decided]
) -> tuple[ReadStats | None, list[Decided]]:
    """Run the engine ahead while `check` reads the exports; a broken export raises CliError."""
    try:
        held = await hold(decided, check)
    except ExportError as exc:  # met by the replay first: name what the in-order check names
        outcome = await check.outcome()
        raise CliError(f"{outcome if isinstance(outcome, str) else exc}\nnothing was written") from exc
    outcome = await check.outcome()
    if isinstance(outcome, str):
        raise CliError(f"{outcome}\nnothing was written")
    return outcome, held


async def analyze(
    paths: list[Path], report: Path, db: str | None, *, batch_size: int = 2000, progress: bool = False,
    help_channels: Iterable[str] = (),
) -> dict[str, object]:
    with batch_collector():
        return await _analyze(paths, report, db, batch_size=batch_size, progress=progress,
                              help_channels=list(help_channels))


async def _analyze(
    paths: list[Path], report: Path, db: str | None, *, batch_size: int, progress: bool, help_channels: list[str]
) -> dict[str, object]:
    readers = open_exports(paths)
    paths = [reader.path for reader in readers]  # folders opened, files that are no export left out
    started = time.perf_counter()
    clock = FakeClock()
    help_ids = help_channel_ids(readers, help_channels)
    rules = RulesBook(GuildRules(help_channel_ids=help_ids))
    engine = Engine(clock, rules.get)
    bars: list[tqdm] = []
    decided = decisions(engine, _ticking(merged_events(readers), clock, bars))
    held: list[Decided] = []
    stats: ReadStats | None = None
    check = await SideCheck.start(paths)
    if check is not None:
        try:
            stats, held = await _checked_beside(check, decided)
        finally:
            await check.stop()
    if stats is None:
        try:
            stats = validate(readers)
        except ExportError as exc:
            raise CliError(f"{exc}\nnothing was written") from exc
    url = choose_database(db, "hearth.db")
    with opening_database(url):
        db_engine = create_engine(url, same_thread=True)  # nothing else to wait for while it writes
    try:
        with opening_database(url):
            await migrate(db_engine)
        sessionmaker = make_sessionmaker(db_engine)
        guild_id = readers[0].header.guild_id
        key = keyed(source_key(paths, guild_id), help_ids)
        resume = await load_resume(sessionmaker, key)
        if not resume.done:  # a finished run over the same files has nothing left to write
            checkpoints = Checkpoints(sessionmaker, SystemClock(), key, guild_id, resume)

            async def on_commit(_batch: int) -> None:
                await checkpoints.committed(writer.facts_written)

            writer = BatchedWriter(db_engine, batch_size=batch_size, on_commit=on_commit)
            await _ingest(
                EventPipeline(engine, writer, sessionmaker, rules),
                itertools.chain(held, decided),
                checkpoints,
                bars,
                total_messages=stats.messages,
                held_messages=sum(1 for message_id, _ in held if message_id is not None),
                progress=progress,
            )
        # an export with no messages reports nothing, not what earlier runs stored for its channel
        channels = {r.header.channel_id for r in readers} if stats.messages else set()
        summary = {
            "exports": [str(p) for p in paths],
            "messages": stats.messages,
            "skipped": dict(stats.skipped),
            "out_of_order": stats.out_of_order,
        }
        counts = await write_report(sessionmaker, guild_id, channels, report, summary=summary)
    finally:
        await db_engine.dispose()
    names: dict[int, str] = {}
    for reader in readers:
        names.update(reader.names)
    return {
        **summary,
        **counts,
        "resumed_after": resume.messages_done,
        "seconds": round(time.perf_counter() - started, 2),
        "names": names,
    }


def summary_lines(result: dict[str, object], report: Path) -> list[str]:
    """What `analyze` prints: this run's counts, in words that agree with them."""
    skipped = result["skipped"]
    skipped_text = ", ".join(f"{n} {why}" for why, n in skipped.items()) if isinstance(skipped, dict) else ""
    counts = {key: int(str(result[key])) for key in ("messages", "questions", "interactions")}
    lines = [
        f"analyzed {plural(counts['messages'], 'message')} in {result['seconds']} s: "
        f"{plural(counts['questions'], 'question')} ({result['open']} open, {result['answered']} answered, "
        f"{result['resolved']} resolved), {plural(counts['interactions'], 'interaction')}"
    ]
    if not counts["messages"]:
        exports = result["exports"]
        many = isinstance(exports, list) and len(exports) > 1
        lines.append(f"the {'exports hold' if many else 'export holds'} no messages: nothing to analyze")
    if skipped_text:
        lines.append(f"skipped: {skipped_text}")
    if result["resumed_after"]:
        done = int(str(result["resumed_after"]))
        first = "the first message was" if done == 1 else f"the first {plural(done, 'message')} were"
        lines.append(f"resumed: {first} stored by an earlier run")
    lines.append(f"report written to {report}")
    return lines


def run(args: argparse.Namespace) -> int:
    progress = progress_enabled() and not args.no_progress
    result = asyncio.run(
        analyze(args.exports, args.report, args.db, batch_size=args.batch_size, progress=progress,
                help_channels=args.help_channel)
    )
    print("\n".join(summary_lines(result, args.report)))
    return 0
