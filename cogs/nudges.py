"""Helper nudges on Discord: `/helper ...` for members, `/hearth nudges ...` for moderators,
the poller that posts due ladder steps and keeps each open-questions board current, and the
persistent Solved / Still stuck buttons.

The cog only renders and sends; what is due, and exactly-once, come from `NudgeService`.
"""

from __future__ import annotations

import contextlib
import logging
import re
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import InvalidInput, UserFacingError
from bot.nudges.board import BoardUpdate
from bot.nudges.board_service import BoardService
from bot.nudges.ladder import (
    HelpWantedListing,
    NudgeAction,
    NudgeLadderAction,
    StillNeededCheck,
    view_custom_id,
)
from bot.nudges.relist import Relist, RelistRefused
from bot.nudges.service import NudgeService, PostedListing
from bot.runtime.command_errors import ensure_error_handler, send_ephemeral
from cogs.common.checks import has_moderator_permission, moderator_only
from cogs.common.context import given_options, guild_id_of, needed
from cogs.common.embeds import no_mentions, only_users, relative_time
from cogs.common.nudge_render import (
    board_embeds,
    check_text,
    closed_listing_embed,
    helper_embed,
    nudge_text,
    relist_reply,
    settings_view_embed,
)
from cogs.common.posting import edit_embed, messageable

if TYPE_CHECKING:
    from bot.runtime.bot import HearthBot

log = logging.getLogger(__name__)

POLL_JOB = "nudges"
STILL_TEMPLATE = r"hearth:still:(?P<choice>solved|open):(?P<qid>[0-9]+)"


# --- buttons --------------------------------------------------------------------


class StillNeededButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=STILL_TEMPLATE):
    """A button whose custom_id carries the question id, so it works after a restart."""

    def __init__(self, choice: str, question_message_id: int) -> None:
        solved = choice == "solved"
        super().__init__(
            discord.ui.Button(
                label="Solved" if solved else "Still stuck",
                style=discord.ButtonStyle.success if solved else discord.ButtonStyle.secondary,
                custom_id=view_custom_id("solved" if solved else "open", question_message_id),
            )
        )
        self.choice = choice
        self.question_message_id = question_message_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> StillNeededButton:
        return cls(match["choice"], int(match["qid"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        get_cog = getattr(interaction.client, "get_cog", None)
        cog = get_cog("NudgeCog") if get_cog is not None else None
        if not isinstance(cog, NudgeCog):
            await interaction.response.send_message(
                "Hearth's nudges are switched off right now.", ephemeral=True, allowed_mentions=no_mentions()
            )
            return
        try:
            await cog.on_still_needed(interaction, self.choice, self.question_message_id)
        except UserFacingError as refusal:
            await send_ephemeral(interaction, refusal.message)


def still_needed_view(question_message_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(StillNeededButton("solved", question_message_id))
    view.add_item(StillNeededButton("open", question_message_id))
    return view


# --- the cog --------------------------------------------------------------------


class NudgeCog(commands.Cog):
    helper = app_commands.Group(
        name="helper", description="Help answer questions in this server", guild_only=True
    )
    nudges = app_commands.Group(
        name="nudges",
        description="How Hearth invites helpers to waiting questions (moderators)",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: HearthBot, service: NudgeService, boards: BoardService | None = None) -> None:
        self.bot = bot
        self.service = service
        self.boards = boards

    async def cog_load(self) -> None:
        ensure_error_handler(self.bot.tree)
        self.bot.add_dynamic_items(StillNeededButton)
        self.bot.scheduler.add_interval(POLL_JOB, self.poll, self.bot.poll_seconds())

    async def cog_unload(self) -> None:
        self.bot.scheduler.remove(POLL_JOB)
        self.bot.remove_dynamic_items(StillNeededButton)
        parent = self.bot.tree.get_command("hearth")
        if isinstance(parent, app_commands.Group):
            parent.remove_command("nudges")

    # --- members ----------------------------------------------------------------

    @helper.command(name="join", description="Get invited, now and then, to questions you may know about")
    @app_commands.describe(topics="Comma separated topics, e.g. python, databases (empty: anything)")
    async def join(self, interaction: discord.Interaction[Any], topics: str | None = None) -> None:
        info = await self.service.join(guild_id_of(interaction), interaction.user.id, topics or "")
        await interaction.response.send_message(
            "Thanks for helping! I'll invite you now and then, never at night and never too often.",
            embed=helper_embed(info),
            ephemeral=True,
            allowed_mentions=no_mentions(),
        )

    @helper.command(name="leave", description="Stop being invited to questions")
    async def leave(self, interaction: discord.Interaction[Any]) -> None:
        left = await self.service.leave(guild_id_of(interaction), interaction.user.id)
        text = (
            "Done: no more invitations. Thank you for your help!" if left else "You were not a helper here."
        )
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=no_mentions())

    @helper.command(name="pause", description="No invitations for a few days (0 ends a pause)")
    @app_commands.describe(days="How many days (0-365)")
    async def pause(
        self, interaction: discord.Interaction[Any], days: app_commands.Range[int, 0, 365]
    ) -> None:
        until = await self.service.pause(guild_id_of(interaction), interaction.user.id, days)
        text = (
            "Pause ended: invitations are back on." if days == 0 else f"Paused until {relative_time(until)}."
        )
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=no_mentions())

    @helper.command(
        name="settings", description="Your topics, time zone and waking hours (no options: show them)"
    )
    @app_commands.describe(
        timezone="Your IANA time zone, e.g. Europe/Paris",
        start_hour="Local hour your waking hours start (0-23)",
        end_hour="Local hour your waking hours end (0-23)",
        topics="Comma separated topics",
    )
    async def settings(
        self,
        interaction: discord.Interaction[Any],
        timezone: str | None = None,
        start_hour: app_commands.Range[int, 0, 23] | None = None,
        end_hour: app_commands.Range[int, 0, 23] | None = None,
        topics: str | None = None,
    ) -> None:
        guild_id = guild_id_of(interaction)
        if timezone is None and start_hour is None and end_hour is None and topics is None:
            info = await self.service.helper(guild_id, interaction.user.id)
        else:
            info = await self.service.update_helper(
                guild_id,
                interaction.user.id,
                timezone=timezone,
                active_start_hour=start_hour,
                active_end_hour=end_hour,
                topics=topics,
            )
        await interaction.response.send_message(
            embed=helper_embed(info), ephemeral=True, allowed_mentions=no_mentions()
        )

    # --- moderators ---------------------------------------------------------------

    @nudges.command(name="show", description="Show the nudge ladder settings")
    @moderator_only()
    async def nudges_show(self, interaction: discord.Interaction[Any]) -> None:
        current = await self.service.settings(guild_id_of(interaction))
        await interaction.response.send_message(
            embed=settings_view_embed(current), ephemeral=True, allowed_mentions=no_mentions()
        )

    @nudges.command(name="set", description="Change the nudge ladder settings")
    @app_commands.describe(
        enabled="Invite helpers to waiting questions at all",
        first_after_minutes="Minutes before helpers are invited",
        helpers_per_nudge="Helpers invited per question (0-5)",
        help_wanted_after_minutes="Minutes before a question is listed in the help-wanted channel",
        still_needed_after_minutes="Minutes before the asker is asked whether it is still needed",
        daily_cap="Invitations per helper per day",
        weekly_cap="Invitations per helper per week",
        quiet_start_hour="Local hour quiet time starts (0-23)",
        quiet_end_hour="Local hour quiet time ends (0-23)",
        min_helper_gap_hours="Hours between two invitations of the same helper",
        relist_every_hours="Hours before 'Still stuck' may put the same question back on top again (1-720)",
        board_days="Days an open question stays on the open-questions board (1-60)",
        nudges_per_1000_messages="Nudges and check-ins a day per 1,000 member messages a day (0-1000)",
        min_nudges_per_day="Nudges and check-ins a day however quiet the server is (0-50)",
        max_nudges_per_day="Nudges and check-ins a day however busy the server is (0-200)",
        nudge_fresh_hours="Hours after a nudge before the asker may be asked 'still need help?'",
        min_confidence="How surely (0-100 %) a question must read as a help request to ping anyone",
    )
    @moderator_only()
    async def nudges_set(
        self,
        interaction: discord.Interaction[Any],
        enabled: bool | None = None,
        first_after_minutes: app_commands.Range[int, 1, 10080] | None = None,
        helpers_per_nudge: app_commands.Range[int, 0, 5] | None = None,
        help_wanted_after_minutes: app_commands.Range[int, 1, 20160] | None = None,
        still_needed_after_minutes: app_commands.Range[int, 1, 40320] | None = None,
        daily_cap: app_commands.Range[int, 0, 50] | None = None,
        weekly_cap: app_commands.Range[int, 0, 200] | None = None,
        quiet_start_hour: app_commands.Range[int, 0, 23] | None = None,
        quiet_end_hour: app_commands.Range[int, 0, 23] | None = None,
        min_helper_gap_hours: app_commands.Range[int, 0, 168] | None = None,
        relist_every_hours: app_commands.Range[int, 1, 720] | None = None,
        board_days: app_commands.Range[int, 1, 60] | None = None,
        nudges_per_1000_messages: app_commands.Range[int, 0, 1000] | None = None,
        min_nudges_per_day: app_commands.Range[int, 0, 50] | None = None,
        max_nudges_per_day: app_commands.Range[int, 0, 200] | None = None,
        nudge_fresh_hours: app_commands.Range[int, 0, 168] | None = None,
        min_confidence: app_commands.Range[int, 0, 100] | None = None,
    ) -> None:
        changes = given_options(interaction)
        if not changes:
            raise InvalidInput("Give at least one setting to change (or use `show`).")
        updated = await self.service.update_settings(guild_id_of(interaction), **changes)
        await interaction.response.send_message(
            "Saved.", embed=settings_view_embed(updated), ephemeral=True, allowed_mentions=no_mentions()
        )

    # --- buttons ----------------------------------------------------------------

    async def on_still_needed(
        self, interaction: discord.Interaction[Any], choice: str, question_id: int
    ) -> None:
        guild_id = guild_id_of(interaction)
        moderator = has_moderator_permission(interaction)
        questions = needed(self.bot.services.questions, "questions")
        question = await questions.get(guild_id, question_id)
        if question.asker_id != interaction.user.id and not moderator:
            raise InvalidInput("Only the member who asked (or a moderator) can answer this.")
        if question.asker_id == interaction.user.id:
            await self.service.record_check_answer(guild_id, question_id, "solved" if choice == "solved" else "stuck")
        if choice == "solved":
            await questions.resolve(
                guild_id, question_id, by_user_id=interaction.user.id, moderator=moderator
            )
            await interaction.response.send_message(
                "Marked as solved. Glad it worked out!", ephemeral=True, allowed_mentions=no_mentions()
            )
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await self.service.relist(question, self.bot.clock.now(), self.bot.channel_access)
        listed, invited = (False, 0) if isinstance(result, RelistRefused) else await self.deliver_relist(result)
        await interaction.followup.send(
            relist_reply(result, listed=listed, invited=invited), ephemeral=True, allowed_mentions=no_mentions()
        )

    async def deliver_relist(self, relist: Relist) -> tuple[bool, int]:
        """Post a claimed re-listing: (back on the board, helpers invited). When the board
        cannot be updated nothing is posted, and the claim is given back so the member can ask
        again."""
        listed = False
        if relist.as_listing() is not None:
            if not await self.refresh_boards(only_guild=relist.guild_id):
                log.warning("updating the board for question %s failed; released", relist.question_message_id)
                await self.service.release(relist)
                return False, 0
            listed = True
        invited = 0
        nudge = relist.as_nudge()
        if nudge is not None:
            try:
                if await self._send(nudge) is not None:
                    invited = len(nudge.helper_ids)
            except discord.HTTPException:
                log.warning("inviting helpers again to question %s failed", relist.question_message_id)
        await self.service.mark_sent(relist, None)
        return listed, invited

    # --- the open-questions board ---------------------------------------------------

    async def refresh_boards(self, only_guild: int | None = None) -> bool:
        """Edit (or post) every board whose list changed; False when one could not be updated
        for a passing reason (the next poll tries again)."""
        if self.boards is None:
            return only_guild is None
        def owns(guild_id: int) -> bool:
            return self.bot.serves_guild(guild_id) and (only_guild is None or guild_id == only_guild)

        ok = True
        for update in await self.boards.due(self.bot.clock.now(), owns, self.bot.channel_access):
            ok = await self.show_board(update) and ok
        return ok

    async def show_board(self, update: BoardUpdate) -> bool:
        """Edit the board's messages in place; post the ones missing; a deleted board is posted
        again once, then retired. True when the board shows `update` (or was retired)."""
        assert self.boards is not None
        embeds = board_embeds(update)
        channel = await messageable(self.bot, update.channel_id)
        if channel is None:
            log.warning("help-wanted channel %s is out of reach; the board waits", update.channel_id)
            await self.boards.release(update)
            return False
        ids: list[int] = []
        try:
            for index, embed in enumerate(embeds):
                if index < len(update.message_ids):
                    message_id = update.message_ids[index]
                    if not await edit_embed(self.bot, update.channel_id, message_id, embed):
                        again = await self.boards.deleted(update)
                        if again is None:
                            log.info("the board in %s was deleted again; not posting it any more", update.channel_id)
                            return True
                        return await self.show_board(again)
                    ids.append(message_id)
                else:
                    posted = await channel.send(embed=embed, allowed_mentions=no_mentions())
                    ids.append(posted.id)
            if isinstance(channel, discord.TextChannel | discord.Thread):
                for extra in update.message_ids[len(embeds) :]:  # the list got shorter
                    with contextlib.suppress(discord.NotFound, discord.Forbidden):
                        await channel.get_partial_message(extra).delete()
        except discord.HTTPException:
            log.warning("updating the board in %s failed; will retry", update.channel_id)
            if len(ids) > len(update.message_ids):  # keep what was posted; the rest next time
                await self.boards.posted(update, tuple(ids), complete=False)
            else:
                await self.boards.release(update)
            return False
        await self.boards.posted(update, tuple(ids))
        return True

    # --- posting --------------------------------------------------------------------

    async def poll(self) -> int:
        """Post every due step this process owns, then mark the listings of questions answered
        since; returns how many steps were posted."""
        now = self.bot.clock.now()
        actions = await self.service.take_due(now, self.bot.serves_guild, self.bot.channel_access)
        posted = 0
        for action in actions:
            if await self.deliver(action):
                posted += 1
        for listings in await self.service.take_listings_to_close(now, self.bot.serves_guild):
            await self.close_listings(listings)
        await self.refresh_boards()
        return posted

    async def close_listings(self, listings: list[PostedListing]) -> None:
        """Edit one question's own listing posts (from before the board) to say it was answered
        (a listing deleted meanwhile is skipped)."""
        question_id = listings[0].question_message_id
        for listing in listings:
            try:
                embed = closed_listing_embed(listing)
                if not await edit_embed(self.bot, listing.channel_id, listing.message_id, embed):
                    log.info("listing %s of question %s is gone", listing.message_id, question_id)
            except discord.HTTPException:
                log.warning("marking the listings of question %s failed; will retry", question_id)
                await self.service.release_closed(question_id)
                return
        await self.service.closed_listings_done(question_id)

    async def deliver(self, action: NudgeLadderAction) -> bool:
        """Post one claimed step; on a passing failure give the claim back for a retry. A
        listing posts nothing: the question is on the board, which the poll updates next."""
        if isinstance(action, HelpWantedListing):
            await self.service.mark_sent(action, None)
            return True
        try:
            message = await self._send(action)
        except (discord.Forbidden, discord.NotFound):
            log.warning(
                "cannot post %s for question %s; not retrying", action.kind, action.question_message_id
            )
            return False
        except discord.HTTPException:
            log.warning(
                "posting %s for question %s failed; will retry", action.kind, action.question_message_id
            )
            await self.service.release(action)
            return False
        if message is None:
            return False
        await self.service.mark_sent(action, message.id)
        return True

    async def _send(self, action: NudgeAction | StillNeededCheck) -> discord.Message | None:
        channel = await messageable(self.bot, action.channel_id)
        if channel is None:
            log.warning("channel %s for %s is gone", action.channel_id, action.kind)
            return None
        reference = discord.MessageReference(
            message_id=action.question_message_id,
            channel_id=action.channel_id,
            guild_id=action.guild_id,
            fail_if_not_exists=False,
        )
        if isinstance(action, NudgeAction):
            return await channel.send(
                nudge_text(action), reference=reference, allowed_mentions=only_users(action.helper_ids)
            )
        return await channel.send(
            check_text(action),
            reference=reference,
            view=still_needed_view(action.question_message_id),
            allowed_mentions=only_users([action.asker_id]),
        )


def attach_to_hearth(bot: HearthBot) -> bool:
    """Move `/nudges` under the `/hearth` group when that group exists. True when moved."""
    group = bot.tree.get_command("nudges")
    parent = bot.tree.get_command("hearth")
    if not isinstance(group, app_commands.Group) or not isinstance(parent, app_commands.Group):
        return False
    bot.tree.remove_command("nudges")
    parent.add_command(group)
    return True


async def setup(bot: HearthBot) -> None:
    await bot.add_cog(NudgeCog(bot, needed(bot.services.nudges, "nudges"), bot.services.boards))
    if not attach_to_hearth(bot):
        log.info("no /hearth group loaded: nudge settings stay at /nudges")


__all__ = ["NudgeCog", "StillNeededButton", "attach_to_hearth", "check_text", "nudge_text"]
