"""A button paginator over any page source (only the member who opened it can turn pages)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.errors import UserFacingError
from bot.runtime.command_errors import log, send_ephemeral
from cogs.common.embeds import no_mentions

# Renders page n (0-based, clamped by the source) and returns (embed, page shown, page count).
PageRenderer = Callable[[int], Awaitable[tuple[discord.Embed, int, int]]]


class Paginator(discord.ui.View):
    def __init__(self, render: PageRenderer, *, owner_id: int, timeout: float = 300.0) -> None:
        super().__init__(timeout=timeout)
        self._render = render
        self.owner_id = owner_id
        self.page = 0
        self.pages = 1

    async def first_page(self) -> discord.Embed:
        embed, self.page, self.pages = await self._render(0)
        self._sync_buttons()
        return embed

    def _sync_buttons(self) -> None:
        self.previous.disabled = self.page <= 0
        self.next.disabled = self.page >= self.pages - 1

    async def on_error(
        self, interaction: discord.Interaction[Any], error: Exception, item: discord.ui.Item[Any]
    ) -> None:
        if isinstance(error, UserFacingError):
            await send_ephemeral(interaction, error.message)
            return
        log.error("a button of %s failed", type(self).__name__, exc_info=error)
        await send_ephemeral(interaction, "Something went wrong on my side; it has been logged.")

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(
            "These buttons belong to whoever ran the command; run it yourself to browse.",
            ephemeral=True,
            allowed_mentions=no_mentions(),
        )
        return False

    async def _show(self, interaction: discord.Interaction[Any], page: int) -> None:
        embed, self.page, self.pages = await self._render(page)
        self._sync_buttons()
        await interaction.response.edit_message(embed=embed, view=self, allowed_mentions=no_mentions())

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        await self._show(interaction, self.page - 1)

    @discord.ui.button(label="Next", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        await self._show(interaction, self.page + 1)

    @discord.ui.button(label="Refresh", style=discord.ButtonStyle.primary)
    async def refresh(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        await self._show(interaction, self.page)


__all__ = ["PageRenderer", "Paginator"]
