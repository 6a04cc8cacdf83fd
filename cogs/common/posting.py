"""Reaching a channel by id and editing a message the bot posted there."""

from __future__ import annotations

from typing import Any

import discord

from cogs.common.embeds import no_mentions


async def messageable(client: Any, channel_id: int) -> discord.abc.Messageable | None:
    """The channel from the cache, else fetched; None when it is gone or hidden from the bot."""
    channel = client.get_channel(channel_id)
    if channel is None:
        try:
            channel = await client.fetch_channel(channel_id)
        except (discord.Forbidden, discord.NotFound):
            return None
    return channel if isinstance(channel, discord.abc.Messageable) else None


async def edit_embed(client: Any, channel_id: int, message_id: int, embed: discord.Embed) -> bool:
    """Replace the embed of one of the bot's messages (pinging nobody). False when the channel
    or the message is gone or out of reach; other HTTP errors propagate (a retry may work)."""
    channel = await messageable(client, channel_id)
    if not isinstance(channel, discord.TextChannel | discord.Thread):
        return False
    try:
        await channel.get_partial_message(message_id).edit(embed=embed, allowed_mentions=no_mentions())
    except (discord.Forbidden, discord.NotFound):
        return False
    return True


__all__ = ["edit_embed", "messageable"]
