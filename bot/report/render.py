"""The report page as one self-contained HTML file: Jinja2 template, charts and plotly.js inlined.

Nothing is fetched when the page is opened: the styles, the chart library and the data are all
in the file, so it can be mailed, archived or opened offline. The charts use only plotly.js's
basic traces (scatter and bar), so the page inlines Plotly's own basic bundle
(`vendor/plotly-basic.min.js`, npm `plotly.js-basic-dist-min`, the plotly.js version the
Python package is built for, MIT licence in `vendor/plotly-LICENSE`): 1.2 MB instead of the
full 4.8 MB bundle, which makes the page quicker to open.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import plotly.graph_objects as go
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from bot.report.charts import helpers_figure, network_figure, weeks_figure
from bot.report.page import ReportPage

TEMPLATE = "template.html.j2"
PLOTLY_BASIC = Path(__file__).parent / "vendor" / "plotly-basic.min.js"
CHART_CONFIG = {"responsive": True, "displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}


def _chart(fig: go.Figure, div_id: str) -> str:
    html: str = fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config=CHART_CONFIG)
    return html


def _day(value: datetime) -> str:
    return value.strftime("%Y-%m-%d")


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _number(value: float | int | None, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.{digits}f}"


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(day=_day, percent=_percent, number=_number)
    return env


def render_html(page: ReportPage) -> str:
    """The whole page (plotly.js's basic bundle is about 1.2 MB of it)."""
    charts = {
        "network": _chart(network_figure(page.network), "chart-network") if page.network.nodes else "",
        "weeks": _chart(weeks_figure(page.weeks), "chart-weeks") if page.weeks else "",
        "helpers": _chart(helpers_figure(page.helpers), "chart-helpers") if page.helpers.helpers else "",
    }
    template = environment().get_template(TEMPLATE)
    return template.render(page=page, charts=charts, plotly_js=PLOTLY_BASIC.read_text(encoding="utf-8"))
