"""The sample-community generator: reproducible bytes and exports shaped like the exporter's."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.sample import SAMPLE_CONFIG, SAMPLE_DIR, GeneratorConfig, generate, main_generate, write_community
from bot.sample.community import DISCORD_EPOCH

SMALL = GeneratorConfig(seed=11, members=30, weeks=2, messages_per_week=400)


def _tree_bytes(root: Path) -> dict[str, bytes]:
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in sorted(root.rglob("*.json"))}


def _load(paths: list[Path]) -> list[dict[str, Any]]:
    return [json.loads(path.read_text(encoding="utf-8")) for path in paths]


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]], dict[str, Any]]:
    out = tmp_path_factory.mktemp("small")
    paths = write_community(SMALL, out)
    community = json.loads((out / "community.json").read_text(encoding="utf-8"))
    return out, _load(paths), community


def test_same_seed_gives_identical_bytes(tmp_path: Path) -> None:
    write_community(SMALL, tmp_path / "a")
    write_community(SMALL, tmp_path / "b")
    first, second = _tree_bytes(tmp_path / "a"), _tree_bytes(tmp_path / "b")
    assert first.keys() == second.keys()
    assert first == second


def test_another_seed_gives_another_community(tmp_path: Path) -> None:
    write_community(SMALL, tmp_path / "a")
    write_community(GeneratorConfig(seed=12, members=30, weeks=2, messages_per_week=400), tmp_path / "b")
    assert _tree_bytes(tmp_path / "a") != _tree_bytes(tmp_path / "b")


def test_committed_sample_is_what_the_generator_writes(tmp_path: Path) -> None:
    write_community(SAMPLE_CONFIG, tmp_path)
    assert _tree_bytes(tmp_path) == _tree_bytes(SAMPLE_DIR)


def test_committed_sample_size_is_within_bounds() -> None:
    community = json.loads((SAMPLE_DIR / "community.json").read_text(encoding="utf-8"))
    assert 3000 <= community["message_count"] <= 6000
    assert sum(path.stat().st_size for path in SAMPLE_DIR.rglob("*")) < 3_000_000
    humans = [m for m in community["members"] if not m["bot"]]
    assert len(humans) == 80


def test_exports_have_the_exporter_shape(small: tuple[Path, list[dict[str, Any]], dict[str, Any]]) -> None:
    _, exports, community = small
    guild_id = community["guild"]["id"]
    for export in exports:
        assert set(export) >= {"guild", "channel", "dateRange", "exportedAt", "messages", "messageCount"}
        assert export["guild"]["id"] == guild_id
        assert set(export["channel"]) >= {"id", "type", "categoryId", "category", "name", "topic"}
        assert export["messageCount"] == len(export["messages"])
        for message in export["messages"]:
            assert set(message) >= {
                "id",
                "type",
                "timestamp",
                "timestampEdited",
                "isPinned",
                "content",
                "author",
                "attachments",
                "embeds",
                "stickers",
                "reactions",
                "mentions",
            }
            assert set(message["author"]) >= {"id", "name", "discriminator", "nickname", "isBot", "roles"}
            for reaction in message["reactions"]:
                assert reaction["count"] == len(reaction["users"]) > 0
                assert set(reaction["emoji"]) >= {"id", "name", "code", "isAnimated"}


def test_ids_are_unique_and_time_ordered(small: tuple[Path, list[dict[str, Any]], dict[str, Any]]) -> None:
    _, exports, _ = small
    seen: set[int] = set()
    for export in exports:
        ids = [int(message["id"]) for message in export["messages"]]
        assert ids == sorted(ids)
        for message in export["messages"]:
            at = datetime.fromisoformat(message["timestamp"])
            assert at.utcoffset() == timedelta(0)
            assert int(message["id"]) >> 22 == (at - DISCORD_EPOCH) // timedelta(milliseconds=1)
        assert not seen & set(ids)
        seen.update(ids)


def test_replies_point_at_earlier_messages_in_the_same_channel(
    small: tuple[Path, list[dict[str, Any]], dict[str, Any]],
) -> None:
    _, exports, _ = small
    replies = 0
    for export in exports:
        earlier: set[str] = set()
        for message in export["messages"]:
            if message["type"] == "Reply":
                replies += 1
                assert message["reference"]["messageId"] in earlier
                assert message["reference"]["channelId"] == export["channel"]["id"]
            earlier.add(message["id"])
    assert replies > 20


def test_threads_and_posts_name_their_parent_and_start_with_the_owner(
    small: tuple[Path, list[dict[str, Any]], dict[str, Any]],
) -> None:
    _, exports, community = small
    channel_ids = {c["id"] for c in community["channels"]}
    by_id = {e["channel"]["id"]: e for e in exports}
    starters = {
        m["reference"]["channelId"]: m["author"]["id"]
        for e in exports
        for m in e["messages"]
        if m["type"] == "ThreadCreated"
    }
    threads = [e for e in exports if e["channel"]["type"] == "GuildPublicThread"]
    assert threads
    posts = 0
    for export in threads:
        channel = export["channel"]
        assert channel["categoryId"] in channel_ids
        first = export["messages"][0]
        if channel["id"] in starters:
            assert starters[channel["id"]] == first["author"]["id"]
        if first["id"] == channel["id"]:  # a forum post: its first message has the post's id
            posts += 1
            assert channel["tags"]
    assert posts > 0
    assert all(thread_id in by_id for thread_id in starters)


def test_content_covers_what_the_engine_must_read(
    small: tuple[Path, list[dict[str, Any]], dict[str, Any]],
) -> None:
    _, exports, community = small
    messages = [m for e in exports for m in e["messages"]]
    types = Counter(m["type"] for m in messages)
    assert types["Default"] and types["Reply"] and types["ThreadCreated"] and types["GuildMemberJoin"]
    assert any(m["author"]["isBot"] for m in messages)
    assert any(m["mentions"] for m in messages if not m["author"]["isBot"])
    emojis = Counter(r["emoji"]["name"] for m in messages for r in m["reactions"])
    assert emojis["✅"] > 0
    assert any(m["content"].startswith(("thanks", "thank", "ty ")) for m in messages)
    newcomers = [m for m in community["members"] if m["joined_at"] >= community["start"]]
    joined = {m["author"]["id"] for m in messages if m["type"] == "GuildMemberJoin"}
    assert newcomers and {m["id"] for m in newcomers} == joined


def test_sidecar_describes_members_and_settings(
    small: tuple[Path, list[dict[str, Any]], dict[str, Any]],
) -> None:
    out, exports, community = small
    channel_ids = {c["id"] for c in community["channels"]}
    settings = community["settings"]
    for key in ("digest_channel_id", "help_wanted_channel_id", "intro_channel_id"):
        assert settings[key] in channel_ids
    assert settings["timezone"] and settings["response_target_minutes"] > 0
    members = community["members"]
    assert len(members) == SMALL.members + 1
    assert sum(m["bot"] for m in members) == 1
    assert any(m["staff"] for m in members)
    assert any(m["helper"]["opt_in"] and m["helper"]["topics"] for m in members)
    assert any(m["intros"]["opt_in"] for m in members)
    assert all(m["interests"] for m in members if not m["bot"])
    assert community["message_count"] == sum(e["messageCount"] for e in exports)
    assert sorted(community["files"]) == sorted(
        p.relative_to(out).as_posix() for p in out.rglob("exports/*.json")
    )


def test_generate_streams_in_time_order() -> None:
    stream = generate(GeneratorConfig(seed=3, members=10, weeks=1, messages_per_week=200))
    ids = [int(message["id"]) for _, message in stream]
    assert len(ids) > 150
    assert ids == sorted(ids)


def test_lead_reader_accepts_the_exports(small: tuple[Path, list[dict[str, Any]], dict[str, Any]]) -> None:
    from bot.sources.exports import ExportReader, merged_events

    out, _, _ = small
    readers = [ExportReader(path) for path in sorted((out / "exports").glob("*.json"))]
    kinds = Counter(type(event).__name__ for event in merged_events(readers))
    assert kinds["MessageCreated"] > 0 and kinds["ReactionAdded"] > 0 and kinds["MemberJoined"] > 0
    assert sum(reader.stats.out_of_order for reader in readers) == 0


def test_cli_writes_a_community(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main_generate(
        ["--out", str(tmp_path), "--seed", "5", "--members", "12", "--weeks", "1", "--messages", "150"]
    )
    assert code == 0
    community = json.loads((tmp_path / "community.json").read_text(encoding="utf-8"))
    assert community["seed"] == 5
    assert 100 <= community["message_count"] <= 260
    assert "wrote" in capsys.readouterr().out


def test_cli_rejects_a_bad_config(tmp_path: Path) -> None:
    assert main_generate(["--out", str(tmp_path), "--members", "1"]) == 2
