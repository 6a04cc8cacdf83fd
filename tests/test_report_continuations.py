"""`analyze`'s report lists a member's own follow-up lines as continuations, apart from the
member-to-member interactions."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from bot.cli.analyze import analyze
from tests.reliability.hostile_exports import MEMBERS, document, message, write

ALICE, BOB = MEMBERS[0], MEMBERS[1]


def test_follow_up_lines_are_continuations_not_interactions(tmp_path: Path) -> None:
    # 3 minutes apart: Alice asks and adds detail; Bob answers; Alice adds a line of her own
    lines = [
        message(0, "how do I flash the bootloader on this board?", user=ALICE),
        message(1, "it is an ESP32-C3, the usb port is native", user=ALICE),
        message(2, "hold BOOT while you plug it in", user=BOB),
        message(3, "also the cable matters, some are charge only", user=BOB),
    ]
    export = write(tmp_path / "general.json", document(lines))
    report = tmp_path / "report.json"
    asyncio.run(analyze([export], report, str(tmp_path / "h.db"), progress=False))
    found = json.loads(report.read_text(encoding="utf-8"))
    continued = {(i["message_id"], i["target_message_id"]) for i in found["interactions"] if i["kind"] == "continuation"}
    ids = [m["id"] for m in lines]
    assert continued == {(ids[1], ids[0]), (ids[3], ids[2])}
    for item in found["interactions"]:
        is_own = item["source_user_id"] == item["target_user_id"]
        assert is_own == (item["kind"] == "continuation"), item
    members = [i for i in found["interactions"] if i["kind"] != "continuation"]
    assert any(i["message_id"] == ids[2] and i["target_user_id"] == str(ALICE) for i in members), members
    assert found["summary"]["continuations"] == 2
    assert found["summary"]["interactions"] == len(members)
