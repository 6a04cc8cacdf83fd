"""The "Still need help" button: when a question may be listed again, and who is invited."""

from __future__ import annotations

from datetime import timedelta

from bot.nudges.ladder import NudgeSettings
from bot.nudges.relist import (
    Relist,
    RelistRefused,
    is_listing_step,
    is_relist_step,
    plan_relist,
    relist_number,
    relist_step,
)
from tests.core.test_nudges import ASKER, HELP_WANTED, START, helper, question

SETTINGS = NudgeSettings(quiet_start_hour=0, quiet_end_hour=0)  # nobody is asleep
NOW = START + timedelta(days=1)


def test_relist_period_setting_has_a_default_and_is_clamped() -> None:
    assert NudgeSettings.from_dict({}).relist_every_hours == 24
    assert NudgeSettings.from_dict({"relist_every_hours": 6}).relist_every_hours == 6
    assert NudgeSettings.from_dict({"relist_every_hours": 0}).relist_every_hours == 1
    assert NudgeSettings.from_dict({"relist_every_hours": 10_000}).relist_every_hours == 720
    assert NudgeSettings.from_dict({"relist_every_hours": "soon"}).relist_every_hours == 24


def test_step_names_are_numbered_and_recognised() -> None:
    assert relist_step(3) == "relist:3"
    assert is_relist_step("relist:3") and relist_number("relist:3") == 3
    assert not is_relist_step("relist:x") and relist_number("nudge") == 0
    assert is_listing_step("listing") and is_listing_step("relist:1") and not is_listing_step("check")


def test_a_closed_question_is_not_listed_again() -> None:
    for status in ("answered", "resolved"):
        result = plan_relist(question(status=status), [], set(), [helper(7)], {}, NOW, SETTINGS)
        assert result == RelistRefused("not_open")


def test_first_relist_invites_only_helpers_not_invited_before_and_lists_it() -> None:
    candidates = [helper(7), helper(8), helper(9)]
    result = plan_relist(
        question(), [], {7}, candidates, {}, NOW, SETTINGS, help_wanted_channel_id=HELP_WANTED
    )
    assert isinstance(result, Relist)
    assert result.number == 1 and result.step == "relist:1"
    assert set(result.helper_ids) == {8, 9}
    listing = result.as_listing()
    assert listing is not None and listing.channel_id == HELP_WANTED
    assert listing.question_message_id == result.question_message_id
    nudge = result.as_nudge()
    assert nudge is not None and nudge.helper_ids == result.helper_ids
    record = result.to_record()
    assert record["kind"] == "relist" and record["listing_channel_id"] == str(HELP_WANTED)
    assert sorted(record["targets"]) == ["8", "9"] and record["asker_id"] == str(ASKER)


def test_relist_waits_for_the_period_then_numbers_on() -> None:
    settings = NudgeSettings(quiet_start_hour=0, quiet_end_hour=0, relist_every_hours=12)
    earlier = NOW - timedelta(hours=11)
    refused = plan_relist(question(), [earlier], set(), [helper(7)], {}, NOW, settings)
    assert refused == RelistRefused("too_soon", earlier + timedelta(hours=12))
    later = NOW + timedelta(hours=1)
    again = plan_relist(question(), [earlier], set(), [helper(7)], {}, later, settings)
    assert isinstance(again, Relist) and again.number == 2


def test_caps_apply_and_nobody_free_still_relists_without_a_nudge() -> None:
    capped = {7: [NOW - timedelta(hours=1)]}  # within the minimum gap between invitations
    result = plan_relist(question(), [], set(), [helper(7)], capped, NOW, SETTINGS)
    assert isinstance(result, Relist) and result.helper_ids == ()
    assert result.as_nudge() is None and result.as_listing() is None
    off = NudgeSettings(enabled=False, quiet_start_hour=0, quiet_end_hour=0)
    quiet = plan_relist(question(), [], set(), [helper(8)], {}, NOW, off, help_wanted_channel_id=HELP_WANTED)
    assert isinstance(quiet, Relist) and quiet.helper_ids == () and quiet.as_listing() is not None
