"""The offline digest (`python -m bot digest`) and the live one (the demo's replay, posted by the
scheduler at digest time) give the same figures for the same export and week; the command's
staff and time-zone options, and its refusal of a week outside the data."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.__main__ import main
from bot.cli.common import CliError
from bot.cli.digest import resolve_staff, write_digest
from bot.digest.week_digest import NUMERIC_FIGURES

GUILD = 1144420879564800001
GENERAL = 1144480270909440007
STAFF = 811871256700780569
MEMBERS = (STAFF, 836123492486217779, 845000000000000001, 851000000000000002, 862000000000000003)
NAMES = {STAFF: "mod_mira", 836123492486217779: "ada", 845000000000000001: "bo",
         851000000000000002: "cy", 862000000000000003: "dee"}  # fmt: skip
DISCORD_EPOCH_MS = 1420070400000
# Monday 2025-01-06 00:30 UTC (in Europe/Berlin the weeks start an hour earlier than in UTC)
START = datetime(2025, 1, 6, 0, 30, tzinfo=UTC)
TRACEBACK = 'Traceback (most recent call last):\n  File "main.py", line 3\nZeroDivisionError: division by zero'
ACTIVITY_FIGURES = {"intros_made", "intros_took", "nudges_sent", "nudges_answered"}


@pytest.fixture(autouse=True)
def _mpl_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path / "mpl"))


def _author(uid: int) -> dict[str, Any]:
    return {"id": str(uid), "name": NAMES[uid], "nickname": NAMES[uid], "isBot": False, "roles": []}


def small_export() -> dict[str, Any]:
    """Three weeks of a small server: questions, replies (some from the staff member, some late
    on a Sunday night so they cross a week's end, some days later, after the week's digest was
    posted), chat; then a Monday to let the last digest post."""
    msgs: list[dict[str, Any]] = []
    index = 0

    def add(uid: int, content: str, when: datetime, reply_to: int | None = None) -> int:
        nonlocal index
        index += 1
        mid = (int(when.timestamp() * 1000) - DISCORD_EPOCH_MS) << 22 | index  # ids grow with time
        raw: dict[str, Any] = {
            "id": str(mid), "type": "Reply" if reply_to else "Default", "timestamp": when.isoformat(),
            "content": content, "author": _author(uid), "reactions": [], "mentions": [],
        }  # fmt: skip
        if reply_to:
            raw["reference"] = {"messageId": str(reply_to), "channelId": str(GENERAL), "guildId": str(GUILD)}
        msgs.append(raw)
        return mid

    people = MEMBERS
    for day in range(21):
        at = START + timedelta(days=day, hours=9)
        asker = people[1 + day % 4]
        helper = people[(day * 3) % 5]
        if helper == asker:
            helper = people[(day + 2) % 5] if people[(day + 2) % 5] != asker else STAFF
        add(asker, "how do I get the sensor to read above 3.3V?", at)
        if day % 3 != 2:  # every third question waits
            a = add(helper, "try a voltage divider on the input", at + timedelta(minutes=7 + day))
            add(asker, "that worked, thanks!", at + timedelta(minutes=20 + day), reply_to=a)
        add(people[(day + 1) % 5], "anyone else building a weather station this week?", at + timedelta(hours=3))
        if day % 4 == 1:  # an error paste: a question in a help channel only
            add(asker, TRACEBACK, at + timedelta(hours=6))
        add(people[(day + 3) % 5], "yes, with an esp32", at + timedelta(hours=3, minutes=5))
        if day % 7 == 6:  # Sunday, late: asked before the week ends, answered after it
            late = add(asker, "why does my build fail on CI?", START + timedelta(days=day, hours=22, minutes=40))
            add(helper, "check the lockfile, it is probably stale",
                START + timedelta(days=day, hours=23, minutes=50), reply_to=late)  # fmt: skip
        if day in (5, 12):  # Saturday: answered only on the Tuesday after, after the digest was posted
            slow = add(people[3], "is there a guide for soldering smd parts?", START + timedelta(days=day, hours=15))
            add(people[4], "there is a good one on the wiki", START + timedelta(days=day + 3, hours=12), reply_to=slow)
    add(people[2], "morning all", START + timedelta(days=21, hours=11))
    msgs.sort(key=lambda m: int(m["id"]))  # an export lists messages oldest first
    return {
        "guild": {"id": str(GUILD), "name": "Hearth Makers", "iconUrl": ""},
        "channel": {"id": str(GENERAL), "type": "GuildTextChat", "categoryId": "1144442018856960002",
                    "category": "Community", "name": "general"},
        "dateRange": {"after": None, "before": None},
        "messages": msgs,
        "messageCount": len(msgs),
    }


def community(timezone: str) -> dict[str, Any]:
    return {
        "schema": "hearth-sample-community/1",
        "guild": {"id": str(GUILD), "name": "Hearth Makers"},
        "channels": [{"id": str(GENERAL), "name": "general", "role": "general", "type": "GuildTextChat"}],
        "settings": {"timezone": timezone, "response_target_minutes": 30, "digest_channel_id": str(GENERAL),
                     "help_channel_ids": [str(GENERAL)]},
        "members": [
            {"id": str(uid), "name": NAMES[uid], "bot": False, "staff": uid == STAFF, "timezone": timezone}
            for uid in MEMBERS
        ],
    }


def write_files(tmp_path: Path, timezone: str) -> tuple[Path, Path]:
    export = tmp_path / "general.json"
    export.write_text(json.dumps(small_export()), encoding="utf-8")
    sidecar = tmp_path / "community.json"
    sidecar.write_text(json.dumps(community(timezone)), encoding="utf-8")
    return export, sidecar


def live_figures(export: Path, sidecar: Path, tmp_path: Path) -> dict[str, dict[str, Any]]:
    """The digests the demo's scheduler posted during the replay, by week."""
    from bot.cli.demo import demo

    result = asyncio.run(demo([export], sidecar, db=str(tmp_path / "demo.db")))
    return {r["week"]: r["figures"] for r in result.records if r["kind"] == "digest"}


def offline_figures(export: Path, tmp_path: Path, week: str, **options: Any) -> dict[str, Any]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    out = tmp_path / f"offline-{week}"
    asyncio.run(write_digest([export], out, week, str(tmp_path / f"offline-{week}.db"), **options))
    data: dict[str, Any] = json.loads((out / "digest.json").read_text(encoding="utf-8"))
    return data


def test_offline_and_live_digests_agree_on_the_same_export_and_week(tmp_path: Path) -> None:
    export, sidecar = write_files(tmp_path, "Europe/Berlin")
    live = live_figures(export, sidecar, tmp_path)
    assert {"2025-W02", "2025-W03", "2025-W04"} <= set(live)
    for week in ("2025-W03", "2025-W04"):
        offline = offline_figures(
            export, tmp_path, week, staff=["mod_mira"], timezone="Europe/Berlin", help_channels=["#general"]
        )
        posted = live[week]
        assert (offline["start"], offline["end"]) == (posted["start"], posted["end"])
        compared = [n for n in NUMERIC_FIGURES if n not in ACTIVITY_FIGURES]
        assert {n: offline[n] for n in compared} == {n: posted[n] for n in compared}, week
        assert offline["deltas"] == {**posted["deltas"], **{n: offline["deltas"][n] for n in ACTIVITY_FIGURES}}
        assert offline["open_question_links"] == posted["open_question_links"]
        assert [h["answers"] for h in offline["top_helpers"]] == [h["answers"] for h in posted["top_helpers"]]
        # the figures are not trivially equal: the staff member, time zone and help channel count
        assert 0 < offline["community_ratio"] < 1
        assert offline["questions_asked"] > 0 and offline["questions_open"] > 0


def test_staff_and_time_zone_options_change_the_offline_figures(tmp_path: Path) -> None:
    export, _ = write_files(tmp_path, "UTC")
    plain = offline_figures(export, tmp_path / "plain", "2025-W03")
    staffed = offline_figures(export, tmp_path / "staffed", "2025-W03", staff=[str(STAFF)], timezone="Europe/Berlin")
    assert plain["community_ratio"] == 1.0  # without staff every interaction is member-to-member
    assert staffed["community_ratio"] < 1.0
    assert plain["timezone"] == "UTC" and staffed["timezone"] == "Europe/Berlin"
    assert staffed["start"] == "2025-01-12T23:00:00+00:00"  # Monday 00:00 in Berlin
    helped = offline_figures(export, tmp_path / "help", "2025-W03", help_channels=["general"])
    assert helped["questions_asked"] > plain["questions_asked"]  # the error pastes count there


def test_staff_names_resolve_or_are_refused() -> None:
    names = {1: "Mira", 2: "ada", 3: "ada"}
    assert resolve_staff(["mira", "@Mira", "42"], names) == {1, 42}
    with pytest.raises(CliError, match="no member of that name"):
        resolve_staff(["zed"], names)
    with pytest.raises(CliError, match="several members"):
        resolve_staff(["ada"], names)


def test_week_outside_the_data_is_refused_naming_the_weeks_covered(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export, _ = write_files(tmp_path, "UTC")
    out = tmp_path / "out"
    assert main(["digest", str(export), "--out", str(out), "--week", "2024-W40"]) == 2
    err = capsys.readouterr().err
    assert "2024-W40 is outside the data" in err and "2025-W02 to 2025-W05" in err
    assert not (out / "digest.md").exists()
    assert main(["digest", str(export), "--out", str(out), "--timezone", "Mars/Olympus"]) == 2
    assert "not a time zone name" in capsys.readouterr().err
