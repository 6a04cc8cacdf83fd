"""What the nudge features post and reply: texts and embeds, with mentions kept inert."""

from __future__ import annotations

from typing import Any

import discord

from bot.conversation.safety import channel_mention, jump_url, mention_list, quote_snippet, user_mention
from bot.nudges.board import BoardEntry, BoardUpdate
from bot.nudges.ladder import NudgeAction, NudgeSettings, StillNeededCheck
from bot.nudges.relist import Relist, RelistRefused
from bot.nudges.service import HelperInfo, PostedListing
from cogs.common.embeds import OK_COLOUR, base_embed, key_value_embed, relative_time


def nudge_text(action: NudgeAction) -> str:
    return (
        f"{mention_list(action.helper_ids)} this question has been waiting a little while. "
        "If you know something about it, a reply would mean a lot! "
        "(You get these because you joined as a helper: `/helper pause` or `/helper leave` any time.)"
    )


def check_text(action: StillNeededCheck) -> str:
    return (
        f"{user_mention(action.asker_id)} nobody has answered this yet. Do you still need help? "
        "Tap **Solved** if you found the answer, or **Still stuck** to put it back at the top of "
        "the open-questions board. (I ask only once.)"
    )


def board_line(index: int, entry: BoardEntry) -> str:
    """One waiting question on the board: topic with a jump link, channel, asker (a mention in
    an embed shows the name and pings nobody), age."""
    link = jump_url(entry.guild_id, entry.channel_id, entry.question_message_id)
    if entry.snippet:
        topic = quote_snippet(entry.snippet, 90)
    elif entry.topics:
        topic = quote_snippet(", ".join(entry.topics[:3]), 90)
    else:
        topic = "a question"
    return (
        f"**{index}.** [{topic}]({link})\n"
        f"{channel_mention(entry.channel_id)} · {user_mention(entry.asker_id)} · asked {relative_time(entry.asked_at)}"
    )


def board_embeds(update: BoardUpdate) -> list[discord.Embed]:
    """The board's pages, newest need first; the last one says how many more wait."""
    embeds: list[discord.Embed] = []
    count = len(update.pages)
    number = 0
    for page_index, page in enumerate(update.pages):
        if not page:
            text = "No question is waiting for an answer right now. Thank you, helpers! 🎉"
            embeds.append(base_embed("Open questions", text, colour=OK_COLOUR))
            continue
        lines = []
        for entry in page:
            number += 1
            lines.append(board_line(number, entry))
        title = "Open questions" if count == 1 else f"Open questions ({page_index + 1}/{count})"
        embed = base_embed(title, "\n\n".join(lines))
        if page_index == count - 1:
            more = f" · {update.more} more waiting: `/questions open`" if update.more else ""
            embed.set_footer(text=f"Newest needs first · kept up to date by Hearth{more}")
        embeds.append(embed)
    return embeds


def closed_listing_embed(listing: PostedListing) -> discord.Embed:
    """A help-wanted listing once its question was answered, resolved or deleted (no snippet repeated)."""
    if listing.status == "removed":
        return base_embed("Help wanted: removed", "This question was deleted; it needs no more help.")
    link = jump_url(listing.guild_id, listing.question_channel_id, listing.question_message_id)
    word = "resolved" if listing.status == "resolved" else "answered"
    embed = base_embed(
        f"Help wanted: {word}", f"[This question]({link}) has been {word}. Thank you, helpers!", colour=OK_COLOUR
    )
    embed.add_field(name="Where", value=channel_mention(listing.question_channel_id))
    return embed


def relist_reply(result: Relist | RelistRefused, *, listed: bool, invited: int) -> str:
    """The ephemeral answer to "Still need help" (`listed`/`invited`: what was actually posted)."""
    if isinstance(result, RelistRefused):
        if result.reason == "not_open":
            return "This question already has an answer, so it is not listed again."
        when = relative_time(result.retry_at) if result.retry_at else "later"
        return f"Got it: the question stays open. It was listed again recently; you can ask again {when}."
    done: list[str] = []
    if listed and result.listing_channel_id is not None:
        done.append(f"back at the top of the open-questions board in {channel_mention(result.listing_channel_id)}")
    if invited:
        done.append(f"{invited} more helper{'s' if invited != 1 else ''} invited")
    text = "Got it: the question stays open" + (", " + " and ".join(done) if done else "") + "."
    if result.listing_channel_id is None:
        text += " No help-wanted channel is set, so it is not listed anywhere."
    elif not listed:
        where = channel_mention(result.listing_channel_id)
        text += f" I could not update the board in {where} just now; tap again in a few minutes."
    if not invited:
        text += " No new helper is free to invite right now."
    return text


def helper_embed(info: HelperInfo | None) -> discord.Embed:
    if info is None or not info.active:
        return base_embed("Helper settings", "You are not a helper here. `/helper join` to become one.")
    values: dict[str, Any] = {
        "Topics": ", ".join(info.topics) or "anything",
        "Time zone": info.timezone or "the server's",
        "Waking hours": (
            f"{info.active_start_hour}:00 to {info.active_end_hour}:00"
            if info.active_start_hour is not None
            else "the server's quiet hours apply"
        ),
        "Paused until": relative_time(info.paused_until) if info.paused_until else "not paused",
    }
    return key_value_embed("Helper settings", values)


def settings_view_embed(settings: NudgeSettings) -> discord.Embed:
    return key_value_embed("Nudge settings", settings.to_dict())


__all__ = [
    "board_embeds",
    "board_line",
    "check_text",
    "closed_listing_embed",
    "helper_embed",
    "nudge_text",
    "relist_reply",
    "settings_view_embed",
]
