"""Introductions on Discord: `/intros join|pause|leave|status`, moderator `/intros settings` and
`/intros run-now`, the poller that delivers rounds and follow-ups, and the persistent
We talked / Not yet / Skip buttons.

The cog only renders and sends; what is due, and exactly-once, come from `IntroService`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.conversation.safety import (
    channel_mention,
    escape_markdown,
    mention_list,
    neutralize_mentions,
    truncate,
)
from bot.errors import UserFacingError
from bot.intros.rounds import IntroAction, IntroDue, IntroFollowUp, IntroRemoved
from bot.intros.service import IntroService, IntroStatus
from bot.runtime.command_errors import send_ephemeral
from cogs.common.checks import moderator_only
from cogs.common.context import guild_id_of, needed
from cogs.common.embeds import base_embed, key_value_embed, no_mentions, only_users, relative_time

if TYPE_CHECKING:
    from bot.runtime.bot import HearthBot

log = logging.getLogger(__name__)

POLL_JOB = "intros"
BUTTON_TEMPLATE = r"hearth:intro:(?P<choice>talked|not_yet|skipped):(?P<iid>[0-9]+)"
BUTTON_LABELS = {"talked": "We talked", "not_yet": "Not yet", "skipped": "Skip"}
REPLIES = {
    "talked": "Wonderful, thanks for letting me know!",
    "not_yet": "No rush: the thread stays here whenever you are ready.",
    "skipped": "Noted. You will get a new introduction in a later round.",
}
EVERY = {"weekly": "every week", "biweekly": "every two weeks", "monthly": "every month"}
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def button_custom_id(choice: str, intro_id: int) -> str:
    return f"hearth:intro:{choice}:{intro_id}"


def safe(text: str, n: int = 100) -> str:
    return truncate(escape_markdown(neutralize_mentions(text)), n)


# --- rendering ------------------------------------------------------------------


def intro_text(action: IntroAction) -> str:
    who = mention_list(action.members)
    if action.shared_interests:
        topics = ", ".join(f"**{safe(t, 40)}**" for t in action.shared_interests[:5])
        why = f"You share an interest in {topics}."
    else:
        why = "You have not crossed paths here yet, so here is a chance to."
    return (
        f"👋 {who}: meet each other! {why}\n"
        f"To get started: *{safe(action.starter, 300)}*\n"
        "Once you have said hello, tap **We talked** below (or **Not yet**, or **Skip**); "
        "I won't post here again. (`/intros pause` or `/intros leave` any time.)"
    )


def dm_text(action: IntroAction, recipient: int) -> str:
    others = [m for m in action.members if m != recipient]
    return intro_text(action).replace("meet each other!", f"meet {mention_list(others)}!", 1)




def status_embed(status: IntroStatus) -> discord.Embed:
    member = status.member
    if member is None or not member.active:
        text = (
            "You are not in introductions here (they also stop by themselves after a few that nobody "
            "answered). `/intros join` to meet members who share your interests."
        )
        return base_embed("Introductions", text)
    values: dict[str, Any] = {
        "How often": member.frequency,
        "Time zone": member.timezone or "the server's",
        "Interests": safe(", ".join(status.interests), 1000) or "none yet: add some with `/interests add`",
        "Paused until": relative_time(member.paused_until) if member.paused_until else "not paused",
        "Next round": relative_time(status.next_round_at) if status.next_round_at else "rounds are off",
    }
    if status.latest is not None:
        values["Last introduction"] = f"{relative_time(status.latest.created_at)} ({status.latest.outcome})"
    return key_value_embed("Introductions", values)


class IntroButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=BUTTON_TEMPLATE):
    """A button whose custom_id carries the introduction id, so it works after a restart."""

    def __init__(self, choice: str, intro_id: int) -> None:
        style = discord.ButtonStyle.success if choice == "talked" else discord.ButtonStyle.secondary
        super().__init__(
            discord.ui.Button(
                label=BUTTON_LABELS[choice], style=style, custom_id=button_custom_id(choice, intro_id)
            )
        )
        self.choice = choice
        self.intro_id = intro_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> IntroButton:
        return cls(match["choice"], int(match["iid"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        get_cog = getattr(interaction.client, "get_cog", None)
        cog = get_cog("IntroCog") if get_cog is not None else None
        if not isinstance(cog, IntroCog):
            await send_ephemeral(interaction, "Hearth's introductions are switched off right now.")
            return
        try:
            await cog.service.record_response(self.intro_id, interaction.user.id, self.choice)
        except UserFacingError as refusal:
            await send_ephemeral(interaction, refusal.message)
            return
        await send_ephemeral(interaction, REPLIES[self.choice])


def response_view(intro_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for choice in BUTTON_LABELS:
        view.add_item(IntroButton(choice, intro_id))
    return view


# --- the cog --------------------------------------------------------------------


class IntroCog(commands.Cog):
    intros = app_commands.Group(
        name="intros", description="Meet members who share your interests", guild_only=True
    )

    def __init__(self, bot: HearthBot, service: IntroService) -> None:
        self.bot = bot
        self.service = service

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(IntroButton)
        self.bot.scheduler.add_interval(POLL_JOB, self.poll, self.bot.poll_seconds())

    async def cog_unload(self) -> None:
        self.bot.scheduler.remove(POLL_JOB)
        self.bot.remove_dynamic_items(IntroButton)

    # --- members ----------------------------------------------------------------

    @intros.command(
        name="join", description="Get introduced, now and then, to members who share your interests"
    )
    @app_commands.describe(
        how_often="How often to be introduced", timezone="Your IANA time zone, e.g. Europe/Paris"
    )
    @app_commands.choices(
        how_often=[
            app_commands.Choice(name="every week", value="weekly"),
            app_commands.Choice(name="every two weeks", value="biweekly"),
            app_commands.Choice(name="every month", value="monthly"),
        ]
    )
    async def join(
        self, interaction: discord.Interaction[Any], how_often: str = "weekly", timezone: str | None = None
    ) -> None:
        guild_id = guild_id_of(interaction)
        await self.service.join(guild_id, interaction.user.id, frequency=how_often, timezone=timezone)
        status = await self.service.status(guild_id, interaction.user.id)
        tip = (
            ""
            if status.interests
            else " Add a few interests with `/interests add` so I can find good matches."
        )
        await interaction.response.send_message(
            f"You're in! I'll introduce you to someone new {EVERY.get(how_often, 'every week')}.{tip}",
            embed=status_embed(status),
            ephemeral=True,
            allowed_mentions=no_mentions(),
        )

    @intros.command(name="pause", description="Skip introductions for a few weeks")
    @app_commands.describe(weeks="How many weeks (1-52)")
    async def pause(
        self, interaction: discord.Interaction[Any], weeks: app_commands.Range[int, 1, 52]
    ) -> None:
        until = await self.service.pause(guild_id_of(interaction), interaction.user.id, weeks)
        await interaction.response.send_message(
            f"Paused until {relative_time(until)}.", ephemeral=True, allowed_mentions=no_mentions()
        )

    @intros.command(name="leave", description="Stop being introduced")
    async def leave(self, interaction: discord.Interaction[Any]) -> None:
        left = await self.service.leave(guild_id_of(interaction), interaction.user.id)
        text = (
            "Done: no more introductions. You can `/intros join` again any time."
            if left
            else ("You were not in introductions here.")
        )
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=no_mentions())

    @intros.command(name="status", description="Your introduction settings and the next round")
    async def status(self, interaction: discord.Interaction[Any]) -> None:
        status = await self.service.status(guild_id_of(interaction), interaction.user.id)
        await interaction.response.send_message(
            embed=status_embed(status), ephemeral=True, allowed_mentions=no_mentions()
        )

    # --- moderators ---------------------------------------------------------------

    @intros.command(
        name="settings", description="When rounds run, where, and group size (no options: show them)"
    )
    @app_commands.describe(
        day="Day of the week rounds run",
        hour="Hour rounds run, in the server's time zone (0-23)",
        channel="Channel where private introduction threads are opened",
        group_size="People per introduction",
        enabled="Run rounds at all",
        max_per_round="Introductions a round makes at most (the best matches; the others wait)",
    )
    @app_commands.choices(day=[app_commands.Choice(name=d, value=i) for i, d in enumerate(DAYS)])
    @moderator_only()
    async def settings(
        self,
        interaction: discord.Interaction[Any],
        day: int | None = None,
        hour: app_commands.Range[int, 0, 23] | None = None,
        channel: discord.TextChannel | None = None,
        group_size: app_commands.Range[int, 2, 3] | None = None,
        enabled: bool | None = None,
        max_per_round: app_commands.Range[int, 1, 10_000] | None = None,
    ) -> None:
        guild_id = guild_id_of(interaction)
        options = (day, hour, channel, group_size, enabled, max_per_round)
        if all(option is None for option in options):
            cfg = await self.service.get_settings(guild_id)  # no options: show them
        else:
            cfg = await self.service.update_settings(
                guild_id,
                weekday=day,
                hour=hour,
                group_size=group_size,
                intro_channel_id=channel.id if channel is not None else None,
                enabled=enabled,
                max_per_round=max_per_round,
            )
        s = cfg.intro_settings
        values = {
            "Enabled": "yes" if s.enabled else "no",
            "When": f"{DAYS[s.weekday]} {s.hour:02d}:00 ({cfg.timezone})",
            "Channel": channel_mention(cfg.intro_channel_id) if cfg.intro_channel_id else "not set: DMs",
            "Group size": s.group_size,
            "At most per round": s.max_per_round,
            "No repeat for": f"{s.repeat_window_weeks} weeks",
        }
        await interaction.response.send_message(
            embed=key_value_embed("Introduction settings", values),
            ephemeral=True,
            allowed_mentions=no_mentions(),
        )

    @intros.command(name="run-now", description="Run an introduction round right away (moderators)")
    @moderator_only()
    async def run_now(self, interaction: discord.Interaction[Any]) -> None:
        guild_id = guild_id_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        actions = await self.service.run_round(guild_id, self.bot.clock.now())
        made = sum(1 for a in actions if isinstance(a, IntroAction))
        await interaction.followup.send(  # before delivering: a big round outlasts the reply token
            f"Round done: {made} introductions made; delivering them now.",
            ephemeral=True,
            allowed_mentions=no_mentions(),
        )
        delivered = await self.deliver_all(actions)
        log.info("run-now in guild %s: %d of %d messages delivered", guild_id, delivered, len(actions))

    # --- delivery -----------------------------------------------------------------

    async def poll(self) -> int:
        """Deliver everything due that this process owns; returns how many were delivered."""
        actions = await self.service.due(self.bot.clock.now(), self.bot.serves_guild)
        return await self.deliver_all(actions)

    async def deliver_all(self, actions: Sequence[IntroDue]) -> int:
        delivered = 0
        for action in actions:
            try:
                ok = await self.deliver(action)
            except discord.HTTPException:
                log.warning("delivering %s failed", action.to_record()["kind"], exc_info=True)
                ok = False
            delivered += int(ok)
        return delivered

    async def deliver(self, action: IntroDue) -> bool:
        if isinstance(action, IntroAction):
            return await self._introduce(action)
        if isinstance(action, IntroFollowUp):
            return await self._follow_up(action)
        # a member paused after ignored introductions is told nothing: `/intros status` says so
        return isinstance(action, IntroRemoved)

    async def _introduce(self, action: IntroAction) -> bool:
        thread = await self._open_thread(action)
        view = response_view(action.introduction_id)  # the answer buttons come with it: no follow-up post
        if thread is not None:
            await thread.send(intro_text(action), view=view, allowed_mentions=only_users(action.members))
            await self.service.mark_delivered(action.introduction_id, action.channel_id, thread.id)
            return True
        sent = [await self._dm(m, dm_text(action, m), response_view(action.introduction_id)) for m in action.members]
        if any(sent):
            await self.service.mark_delivered(action.introduction_id, None, None)
        return any(sent)

    async def _open_thread(self, action: IntroAction) -> discord.Thread | None:
        """A private thread in the intro channel with the group added; None when not possible."""
        if action.channel_id is None:
            return None
        channel = self.bot.get_channel(action.channel_id)
        if not isinstance(channel, discord.TextChannel):
            return None
        try:
            thread = await channel.create_thread(
                name=truncate(f"Introduction {action.introduction_id}: say hello!", 100),
                type=discord.ChannelType.private_thread,
                invitable=False,
            )
        except (discord.Forbidden, discord.NotFound):
            log.info("cannot open a private thread in %s; falling back to DMs", action.channel_id)
            return None
        for member in action.members:
            try:
                await thread.add_user(discord.Object(id=member))
            except (discord.Forbidden, discord.NotFound):
                log.info("could not add member %s to introduction thread %s", member, thread.id)
        return thread

    async def _dm(
        self, user_id: int, text: str, view: discord.ui.View | None = None
    ) -> discord.Message | None:
        """A direct message that pings nobody; None when the member cannot be reached."""
        try:
            user = self.bot.get_user(user_id) or await self.bot.fetch_user(user_id)
            if view is None:
                return await user.send(text, allowed_mentions=no_mentions())
            return await user.send(text, view=view, allowed_mentions=no_mentions())
        except (discord.Forbidden, discord.NotFound):
            log.info("cannot DM member %s (DMs closed or unknown)", user_id)
            return None

    async def _follow_up(self, action: IntroFollowUp) -> bool:
        """A follow-up posts nothing: the introduction came with its answer buttons, and whether
        the members talked is read from the conversation; the outcome is recorded all the same."""
        return True


async def setup(bot: HearthBot) -> None:
    await bot.add_cog(IntroCog(bot, needed(bot.services.intros, "intros")))
