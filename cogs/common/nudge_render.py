"""What the nudge features post and reply: texts and embeds, with mentions kept inert."""

from __future__ import annotations

from typing import Any

import discord

from bot.conversation.safety import channel_mention, jump_url, mention_list, quote_snippet, user_mention
from bot.nudges.ladder import HelpWantedListing, NudgeAction, NudgeSettings, StillNeededCheck
from bot.nudges.relist import Relist, RelistRefused
from bot.nudges.service import HelperInfo, PostedListing
from cogs.common.embeds import OK_COLOUR, base_embed, key_value_embed, relative_time


def nudge_text(action: NudgeAction) -> str:
    return (
        f"{mention_list(action.helper_ids)} this question has been waiting a little while. "
        "If you know something about it, a reply would mean a lot! "
        "(You get these because you joined as a helper: `/helper pause` or `/helper leave` any time.)"
    )


def listing_embed(action: HelpWantedListing) -> discord.Embed:
    link = jump_url(action.guild_id, action.question_channel_id, action.question_message_id)
    text = quote_snippet(action.snippet, 200) if action.snippet else "A question is waiting for an answer."
    embed = base_embed("Help wanted", f"[{text}]({link})")
    embed.add_field(name="Where", value=channel_mention(action.question_channel_id))
    embed.add_field(name="Asked", value=relative_time(action.asked_at))
    if action.topics:
        embed.add_field(name="Topics", value=quote_snippet(", ".join(action.topics), 200))
    return embed


def check_text(action: StillNeededCheck) -> str:
    return (
        f"{user_mention(action.asker_id)} nobody has answered this yet. Do you still need help? "
        "Tap **Solved** if you found the answer, or **Still need help** to keep it open."
    )


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


def relisted_embed(fresh_listing_url: str) -> discord.Embed:
    """An older listing of a question that was listed again (the snippet is not repeated)."""
    return base_embed("Help wanted: listed again", f"Still waiting for an answer: [see the new listing]({fresh_listing_url}).")


def relist_reply(result: Relist | RelistRefused, *, listed: bool, invited: int) -> str:
    """The ephemeral answer to "Still need help" (`listed`/`invited`: what was actually posted)."""
    if isinstance(result, RelistRefused):
        if result.reason == "not_open":
            return "This question already has an answer, so it is not listed again."
        when = relative_time(result.retry_at) if result.retry_at else "later"
        return f"Got it: the question stays open. It was listed again recently; you can ask again {when}."
    done: list[str] = []
    if listed and result.listing_channel_id is not None:
        done.append(f"listed again in {channel_mention(result.listing_channel_id)}")
    if invited:
        done.append(f"{invited} more helper{'s' if invited != 1 else ''} invited")
    text = "Got it: the question stays open" + (", " + " and ".join(done) if done else "") + "."
    if result.listing_channel_id is None:
        text += " No help-wanted channel is set, so it is not listed anywhere."
    elif not listed:
        where = channel_mention(result.listing_channel_id)
        text += f" I could not post in {where} just now; tap again in a few minutes."
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
    "check_text",
    "closed_listing_embed",
    "helper_embed",
    "listing_embed",
    "nudge_text",
    "relist_reply",
    "relisted_embed",
    "settings_view_embed",
]
