"""The real gateway and HTTP code of discord.py, against the fake Discord, feed the listeners."""

from __future__ import annotations

import pytest

from bot.conversation.clock import SystemClock
from bot.conversation.events import MessageCreated, ReactionAdded, ThreadCreated
from tests.cogs.simworld import RecordingServices, recorder
from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.harness import run_bot


def _created(services: RecordingServices) -> list[int]:
    return [e.message_id for e in services.pipeline.events if isinstance(e, MessageCreated)]


@pytest.mark.timeout(60)
async def test_events_arrive_and_resume_loses_nothing(fake: FakeDiscord) -> None:
    alice = fake.add_member("alice")
    bob = fake.add_member("bob")
    services = RecordingServices()
    async with run_bot(fake, services, SystemClock()) as running:
        assert [c.path for c in fake.calls if c.method == "PUT"] != []  # commands synced
        question = await fake.member_says(alice, fake.help, "How do I set up webhooks?")
        reply = await fake.member_says(bob, fake.help, "Use the integrations tab", reply_to=question)
        await fake.react(alice, reply, "✅")
        thread = await fake.open_thread(alice, fake.general, "webhooks")
        await running.wait_for(lambda: len(recorder(running.bot).events) >= 4)
        events = recorder(running.bot).events
        created = [e for e in events if isinstance(e, MessageCreated)]
        assert created[1].reference_message_id == int(question["id"])
        assert created[1].reference_author_id == alice.id
        assert [e.emoji for e in events if isinstance(e, ReactionAdded)] == ["✅"]
        assert [e.thread_id for e in events if isinstance(e, ThreadCreated)] == [thread.id]

        # the socket drops; events sent meanwhile are replayed on RESUME
        await fake.gateway.drop()
        missed = [await fake.member_says(bob, fake.general, f"while away {n}") for n in range(5)]
        await fake.gateway.wait_connected()
        after = await fake.member_says(alice, fake.general, "back again?")
        wanted = {int(m["id"]) for m in [*missed, after]}
        await running.wait_for(lambda: wanted <= set(_created(services)))
        assert fake.gateway.resumes == 1 and fake.gateway.identifies == 1
        ids = _created(services)
        assert len(ids) == len(set(ids))
        assert running.errors == []
    assert services.pipeline.closed
    assert fake.unhandled == []
