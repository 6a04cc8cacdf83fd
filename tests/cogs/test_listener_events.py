"""The listeners turn simcord's real gateway events into the right engine events."""

from __future__ import annotations

import pytest

from bot.conversation.events import (
    MemberJoined,
    MemberLeft,
    MessageCreated,
    MessageDeleted,
    MessageEdited,
    ReactionAdded,
    ReactionRemoved,
    ThreadCreated,
)
from bot.runtime.bot import HearthBot
from tests.cogs.simworld import HearthWorld, RecordingPipeline, recorder


@pytest.fixture
def pipeline(hearth_bot: HearthBot) -> RecordingPipeline:
    recording = recorder(hearth_bot)
    recording.events.clear()
    return recording


async def test_setup_restores_and_syncs(hearth_bot: HearthBot, hearth: HearthWorld) -> None:
    assert recorder(hearth_bot).restored
    assert recorder(hearth_bot).refreshed == [hearth.guild.id]
    assert hearth_bot.loaded_extensions == ["cogs.listeners"]
    assert hearth_bot.scheduler.running


async def test_question_in_text_channel(hearth: HearthWorld, pipeline: RecordingPipeline) -> None:
    sent = await hearth.alice.send(hearth.help, "How do I configure the webhook? <@123>")
    [event] = pipeline.of_type(MessageCreated)
    assert event.message_id == sent.id
    assert event.guild_id == hearth.guild.id
    assert event.channel_id == hearth.help.id
    assert event.author_id == hearth.alice.id
    assert event.content == "How do I configure the webhook? <@123>"
    assert event.channel_kind == "text"
    assert event.parent_channel_id is None
    assert event.created_at == sent.created_at
    assert not event.author_is_bot


async def test_reply_carries_reference_and_author(hearth: HearthWorld, pipeline: RecordingPipeline) -> None:
    question = await hearth.alice.send(hearth.help, "Why does my bot not start?")
    answer = await hearth.bob.send(hearth.help, "Check your token", reply_to=question)
    reply = pipeline.of_type(MessageCreated)[-1]
    assert reply.message_id == answer.id
    assert reply.reference_message_id == question.id
    assert reply.reference_author_id == hearth.alice.id


async def test_thanks_with_mention(hearth: HearthWorld, pipeline: RecordingPipeline) -> None:
    await hearth.alice.send(hearth.help, f"thanks {hearth.bob.mention}!")
    [event] = pipeline.of_type(MessageCreated)
    assert event.mentions == (hearth.bob.id,)


async def test_checkmark_reaction_add_and_remove(hearth: HearthWorld, pipeline: RecordingPipeline) -> None:
    question = await hearth.alice.send(hearth.help, "Any idea?")
    answer = await hearth.bob.send(hearth.help, "Try restarting", reply_to=question)
    await hearth.alice.react(answer, "✅")
    [added] = pipeline.of_type(ReactionAdded)
    assert (added.message_id, added.user_id, added.emoji) == (answer.id, hearth.alice.id, "✅")
    assert added.message_author_id == hearth.bob.id
    assert added.channel_id == hearth.help.id
    await hearth.alice.unreact(answer, "✅")
    [removed] = pipeline.of_type(ReactionRemoved)
    assert (removed.message_id, removed.user_id, removed.emoji) == (answer.id, hearth.alice.id, "✅")


async def test_edit_and_delete(hearth: HearthWorld, pipeline: RecordingPipeline) -> None:
    sent = await hearth.alice.send(hearth.help, "first draft")
    await hearth.alice.edit(sent, "How do I do X?")
    [edited] = pipeline.of_type(MessageEdited)
    assert edited.message_id == sent.id
    assert edited.content == "How do I do X?"
    assert edited.channel_id == hearth.help.id
    await hearth.alice.delete(sent)
    [deleted] = pipeline.of_type(MessageDeleted)
    assert (deleted.message_id, deleted.channel_id, deleted.guild_id) == (
        sent.id,
        hearth.help.id,
        hearth.guild.id,
    )


async def test_thread_and_message_inside(hearth: HearthWorld, pipeline: RecordingPipeline) -> None:
    thread = await hearth.open_thread(hearth.general, hearth.alice, "deploy trouble")
    [created] = pipeline.of_type(ThreadCreated)
    assert created.thread_id == thread.id
    assert created.parent_channel_id == hearth.general.id
    assert created.owner_id == hearth.alice.id
    assert created.name == "deploy trouble"
    assert not created.is_forum_post
    # the "started a thread" system notice is not a member message
    assert pipeline.of_type(MessageCreated) == []
    await hearth.bob.send(thread, "what error do you get?")
    [inside] = pipeline.of_type(MessageCreated)
    assert inside.channel_kind == "thread"
    assert inside.channel_id == thread.id
    assert inside.parent_channel_id == hearth.general.id
    assert inside.thread_owner_id == hearth.alice.id
    assert not inside.is_thread_starter


async def test_forum_post(hearth: HearthWorld, pipeline: RecordingPipeline) -> None:
    post, starter = await hearth.forum_post(
        hearth.alice, "Bot crashes on start", "It crashes with a KeyError", tags=["python"]
    )
    [created] = pipeline.of_type(ThreadCreated)
    assert created.is_forum_post
    assert created.tags == ("python",)
    assert created.parent_channel_id == hearth.forum.id
    [message] = pipeline.of_type(MessageCreated)
    assert message.message_id == post.id == starter.id
    assert message.channel_kind == "forum_post"
    assert message.is_thread_starter
    assert message.parent_channel_id == hearth.forum.id
    assert message.forum_tags == ("python",)
    assert message.thread_owner_id == hearth.alice.id


async def test_member_join_and_leave(hearth: HearthWorld, pipeline: RecordingPipeline) -> None:
    dave = hearth.add_member("dave")
    await hearth.env.settle()
    [joined] = pipeline.of_type(MemberJoined)
    assert (joined.user_id, joined.guild_id, joined.is_bot) == (dave.id, hearth.guild.id, False)
    hearth.guild.remove_member(dave)
    await hearth.env.settle()
    [left] = pipeline.of_type(MemberLeft)
    assert (left.user_id, left.guild_id) == (dave.id, hearth.guild.id)


async def test_bots_and_dms_are_ignored(hearth: HearthWorld, pipeline: RecordingPipeline) -> None:
    other_bot = hearth.guild.add_member(hearth.env.create_user("otherbot", bot=True))
    await hearth.env.settle()
    await other_bot.send(hearth.general, "beep? boop?")
    await hearth.alice.send_dm("hello, can you help?")
    assert pipeline.events == []
