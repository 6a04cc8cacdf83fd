"""Discord's own permission resolution, asked when a question is about to be shown.

A channel (or the parent of a thread) answers `permissions_for(member or @everyone)`:
role permissions, then the channel's overwrites for @everyone, roles and the member, as
Discord resolves them. A private thread is readable by nobody through @everyone, and by a
member only when they started it or have Manage Threads on its parent (the bot does not track who was added). A
channel, member or server the cache does not know is not readable: when in doubt, nothing
is shown.
"""

from __future__ import annotations

import discord


class DiscordChannelAccess:
    def __init__(self, client: discord.Client) -> None:
        self._client = client

    def can_read(
        self, guild_id: int, channel_id: int, user_id: int | None, *, parent_channel_id: int | None = None
    ) -> bool:
        guild = self._client.get_guild(guild_id)
        if guild is None:
            return False
        who: discord.Member | discord.Role | None = guild.default_role if user_id is None else guild.get_member(user_id)
        if who is None:
            return False
        channel = guild.get_channel_or_thread(channel_id)
        if channel is None and parent_channel_id is not None:
            channel = guild.get_channel(parent_channel_id)  # a thread not in the cache: its parent decides
        if channel is None or isinstance(channel, discord.CategoryChannel):
            return False
        if isinstance(channel, discord.Thread):
            parent = channel.parent
            if parent is None:
                return False
            allowed = parent.permissions_for(who)
            if channel.is_private():
                mine = user_id is not None and channel.owner_id == user_id
                return user_id is not None and allowed.view_channel and (mine or allowed.manage_threads)
            return allowed.view_channel
        return channel.permissions_for(who).view_channel


__all__ = ["DiscordChannelAccess"]
