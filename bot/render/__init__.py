"""Rendering of digests: a PNG chart and Markdown text (Discord embeds are built in the cog)."""

from bot.render.chart import render_chart
from bot.render.markdown import render_markdown, sections

__all__ = ["render_chart", "render_markdown", "sections"]
