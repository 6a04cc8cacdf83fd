"""/questions open, /questions resolve and the "Mark as answer" / "Track as question" menus."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.conversation.facts import QuestionFact
from bot.conversation.safety import one_line, truncate
from bot.errors import InvalidInput
from bot.questions.service import QuestionService, parse_message_ref
from bot.questions.visibility import EVERYONE, readable_by
from bot.runtime.command_errors import ensure_error_handler
from cogs.common.checks import has_moderator_permission
from cogs.common.context import guild_id_of, needed
from cogs.common.embeds import no_mentions, open_questions_embed
from cogs.common.paginator import Paginator

if TYPE_CHECKING:
    from bot.runtime.bot import HearthBot

STATUS_WORD = {"open": "open", "answered": "answered", "resolved": "resolved"}


def _answer_candidates(message: discord.Message) -> list[int]:
    """Message ids the answer most likely belongs to, best first."""
    out: list[int] = []
    if message.reference is not None and message.reference.message_id is not None:
        out.append(message.reference.message_id)
    if isinstance(message.channel, discord.Thread):
        out.append(message.channel.id)  # a forum post's or thread's starter shares its id
    return out


class OpenQuestionsView(Paginator):
    """Pages of open questions, plus a menu to resolve one the viewer asked (any, for a moderator)."""

    def __init__(
        self,
        service: QuestionService,
        guild_id: int,
        channel_id: int | None,
        *,
        owner_id: int,
        moderator: bool,
        visible: Callable[[QuestionFact], bool] | None = None,
    ) -> None:
        super().__init__(self._render, owner_id=owner_id)
        self.service = service
        self.guild_id = guild_id
        self.channel_id = channel_id
        self.moderator = moderator
        self.visible = visible
        self.picker: discord.ui.Select[OpenQuestionsView] = discord.ui.Select(
            placeholder="Resolve one of these questions…", min_values=1, max_values=1
        )
        self.picker.callback = self._picked  # type: ignore[method-assign]

    def has_controls(self) -> bool:
        return self.pages > 1 or self.picker in self.children

    async def _render(self, page: int) -> tuple[discord.Embed, int, int]:
        result = await self.service.open_page(
            self.guild_id, page, channel_id=self.channel_id, visible=self.visible
        )
        first = result.page * result.per_page + 1
        mine = [
            (first + i, q) for i, q in enumerate(result.items) if self.moderator or q.asker_id == self.owner_id
        ]
        self.picker.options = [
            discord.SelectOption(
                label=truncate(f"{n}. " + one_line(q.snippet or f"question {q.message_id}"), 100),
                value=str(q.message_id),
            )
            for n, q in mine
        ]
        if mine and self.picker not in self.children:
            self.add_item(self.picker)
        elif not mine and self.picker in self.children:
            self.remove_item(self.picker)
        embed = open_questions_embed(
            result.items, page=result.page, pages=result.pages, total=result.total, per_page=result.per_page
        )
        return embed, result.page, result.pages

    async def _picked(self, interaction: discord.Interaction[Any]) -> None:
        message_id = int(self.picker.values[0])
        await self.service.resolve(self.guild_id, message_id, by_user_id=interaction.user.id, moderator=self.moderator)
        await self._show(interaction, self.page)
        await interaction.followup.send("Resolved.", ephemeral=True, allowed_mentions=no_mentions())


@app_commands.guild_only()
class QuestionsCog(commands.GroupCog, group_name="questions", group_description="Questions waiting for an answer"):
    def __init__(self, bot: HearthBot, questions: QuestionService) -> None:
        self.bot = bot
        self.questions = questions
        super().__init__()
        self.mark_answer_menu = app_commands.ContextMenu(name="Mark as answer", callback=self.mark_answer)
        self.track_menu = app_commands.ContextMenu(name="Track as question", callback=self.track_question)
        for menu in (self.mark_answer_menu, self.track_menu):
            app_commands.guild_only()(menu)

    async def cog_load(self) -> None:
        ensure_error_handler(self.bot.tree)
        self.bot.tree.add_command(self.mark_answer_menu)
        self.bot.tree.add_command(self.track_menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.mark_answer_menu.name, type=self.mark_answer_menu.type)
        self.bot.tree.remove_command(self.track_menu.name, type=self.track_menu.type)

    @app_commands.command(name="open", description="Questions still waiting for an answer, oldest first")
    @app_commands.describe(channel="Only questions from this channel", public="Show the list to everyone here")
    async def open(
        self,
        interaction: discord.Interaction[Any],
        channel: discord.TextChannel | discord.ForumChannel | None = None,
        public: bool = False,
    ) -> None:
        guild_id = guild_id_of(interaction)
        channel_id = channel.id if channel is not None else None
        # shown only to the member: the channels they can read; posted here: what @everyone can read
        reader = EVERYONE if public else interaction.user.id
        view = OpenQuestionsView(
            self.questions,
            guild_id,
            channel_id,
            owner_id=interaction.user.id,
            moderator=has_moderator_permission(interaction),
            visible=readable_by(self.bot.channel_access, reader),
        )
        embed = await view.first_page()
        if not view.has_controls():
            await interaction.response.send_message(embed=embed, ephemeral=not public, allowed_mentions=no_mentions())
            return
        await interaction.response.send_message(
            embed=embed, view=view, ephemeral=not public, allowed_mentions=no_mentions()
        )

    @app_commands.command(name="resolve", description="Mark a question as resolved (the asker or a moderator)")
    @app_commands.describe(question="The question: pick one, or paste its message link or id")
    async def resolve(self, interaction: discord.Interaction[Any], question: str) -> None:
        guild_id = guild_id_of(interaction)
        message_id = parse_message_ref(question, guild_id)
        result = await self.questions.resolve(
            guild_id, message_id, by_user_id=interaction.user.id, moderator=has_moderator_permission(interaction)
        )
        await interaction.response.send_message(
            f"Resolved. Status is now **{STATUS_WORD.get(result.status, result.status)}**.",
            ephemeral=True,
            allowed_mentions=no_mentions(),
        )

    @resolve.autocomplete("question")
    async def _resolve_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        found = await self.questions.choices_for(
            interaction.guild_id,
            interaction.user.id,
            moderator=has_moderator_permission(interaction),
            visible=readable_by(self.bot.channel_access, interaction.user.id),
        )
        needle = current.strip().lower()
        choices: list[app_commands.Choice[str]] = []
        for q in found:
            label = one_line(q.snippet or f"question {q.message_id}")
            if needle and needle not in label.lower() and needle not in str(q.message_id):
                continue
            choices.append(app_commands.Choice(name=truncate(label, 100), value=str(q.message_id)))
        return choices[:25]

    async def mark_answer(self, interaction: discord.Interaction[Any], message: discord.Message) -> None:
        guild_id = guild_id_of(interaction)
        if message.author.bot:
            raise InvalidInput("A bot's message cannot be marked as the answer.")
        question = await self.questions.mark_answer(
            guild_id,
            answer_message_id=message.id,
            answer_author_id=message.author.id,
            candidates=_answer_candidates(message),
            channel_id=message.channel.id,
            by_user_id=interaction.user.id,
            moderator=has_moderator_permission(interaction),
        )
        await interaction.response.send_message(
            f"Marked as the answer. The question is now **{STATUS_WORD.get(question.status, question.status)}**.",
            ephemeral=True,
            allowed_mentions=no_mentions(),
        )

    async def track_question(self, interaction: discord.Interaction[Any], message: discord.Message) -> None:
        guild_id = guild_id_of(interaction)
        if message.author.bot:
            raise InvalidInput("A bot's message cannot be tracked as a question.")
        tracked = await self.questions.track(
            guild_id,
            channel_id=message.channel.id,
            message_id=message.id,
            author_id=message.author.id,
            by_user_id=interaction.user.id,
            moderator=has_moderator_permission(interaction),
        )
        if tracked is None:
            raise InvalidInput(
                "I could not track that message: it is older than what I keep in memory, or in a "
                "channel Hearth ignores."
            )
        await interaction.response.send_message(
            "Tracked as a question; it now shows in `/questions open` until it is answered.",
            ephemeral=True,
            allowed_mentions=no_mentions(),
        )


async def setup(bot: HearthBot) -> None:
    await bot.add_cog(QuestionsCog(bot, needed(bot.services.questions, "questions")))
