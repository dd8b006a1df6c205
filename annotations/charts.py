"""Charts for the browser pages, drawn server-side as inline SVG markup: no JavaScript library.

Pure: values in, markup out. Every user string (a label's name) is escaped by format_html;
colours are checked to be #rrggbb before they become a ``fill`` attribute. Nothing uses a
``style`` attribute (the Content-Security-Policy forbids inline styles): layout is in
attributes, the rest in classes that dashboard.css styles.
"""

import re
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
FALLBACK_COLOUR = "#888888"

WIDTH = 800
NAME_WIDTH = 150  # the label names, right-aligned before the bars
VALUE_WIDTH = 60  # the figure after the longest bar
BAR_HEIGHT = 11
ROW_HEIGHT = 2 * BAR_HEIGHT + 14
TOP = 30  # room for the legend
BOTTOM = 24  # room for the axis
TICKS = (0, 0.25, 0.5, 0.75, 1)


@dataclass(frozen=True)
class AgreementBar:
    """One label's row: its name, colour and two F1 figures (None: nothing to compare)."""

    name: str
    colour: str
    exact: float | None
    overlap: float | None


def agreement_chart(rows: list[AgreementBar], *, title: str) -> SafeString:
    """A horizontal bar chart of F1 per label: exact match (solid) over overlap (light)."""
    plot = WIDTH - NAME_WIDTH - VALUE_WIDTH
    height = TOP + max(len(rows), 1) * ROW_HEIGHT + BOTTOM
    bottom = height - BOTTOM
    grid = format_html_join(
        "",
        '<line class="grid" x1="{x}" y1="{top}" x2="{x}" y2="{bottom}"/>'
        '<text class="tick" x="{x}" y="{label_y}" text-anchor="middle">{tick}</text>',
        (
            {
                "x": _x(tick, plot),
                "top": TOP - 4,
                "bottom": bottom,
                "label_y": bottom + 16,
                "tick": f"{tick:g}",
            }
            for tick in TICKS
        ),
    )
    bars = mark_safe("".join(_row(row, index, plot) for index, row in enumerate(rows)))  # noqa: S308
    empty = ""
    if not rows:
        empty = format_html(
            '<text class="empty" x="{}" y="{}" text-anchor="middle">{}</text>',
            NAME_WIDTH + plot // 2,
            TOP + ROW_HEIGHT // 2 + 4,
            "No labels yet.",
        )
    legend = format_html(
        '<g class="legend">'
        '<rect x="{x}" y="8" width="12" height="{h}" class="legend-exact"/>'
        '<text x="{tx}" y="18">exact match</text>'
        '<rect x="{x2}" y="8" width="12" height="{h}" class="legend-overlap"/>'
        '<text x="{tx2}" y="18">overlap match</text>'
        "</g>",
        x=NAME_WIDTH,
        h=BAR_HEIGHT,
        tx=NAME_WIDTH + 17,
        x2=NAME_WIDTH + 120,
        tx2=NAME_WIDTH + 137,
    )
    return format_html(
        '<svg class="chart agreement-chart" xmlns="http://www.w3.org/2000/svg" '
        'viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-labelledby="{id}">'
        '<title id="{id}">{title}</title>{legend}{grid}{bars}{empty}</svg>',
        w=WIDTH,
        h=height,
        id="agreement-chart-title",
        title=title,
        legend=legend,
        grid=grid,
        bars=bars,
        empty=empty,
    )


def _x(value: float, plot: int) -> int:
    return NAME_WIDTH + round(value * plot)


def _row(row: AgreementBar, index: int, plot: int) -> str:
    top = TOP + index * ROW_HEIGHT
    colour = row.colour if HEX_COLOUR.fullmatch(row.colour or "") else FALLBACK_COLOUR
    parts = [
        format_html(
            '<text class="name" x="{}" y="{}" text-anchor="end">{}</text>',
            NAME_WIDTH - 8,
            top + BAR_HEIGHT + 4,
            row.name,
        )
    ]
    for offset, value, kind in ((0, row.exact, "exact"), (BAR_HEIGHT + 2, row.overlap, "overlap")):
        y = top + offset
        if value is None:
            parts.append(
                format_html(
                    '<text class="value none" x="{}" y="{}">n/a ({})</text>',
                    NAME_WIDTH + 4,
                    y + BAR_HEIGHT - 1,
                    kind,
                )
            )
            continue
        width = max(round(value * plot), 1)
        parts.append(
            format_html(
                '<rect class="bar {kind}" x="{x}" y="{y}" width="{w}" height="{h}" fill="{fill}">'
                "<title>{name}, {kind} match: F1 {value}</title></rect>"
                '<text class="value" x="{tx}" y="{ty}">{value}</text>',
                kind=kind,
                x=NAME_WIDTH,
                y=y,
                w=width,
                h=BAR_HEIGHT,
                fill=colour,
                name=row.name,
                value=f"{value:.2f}",
                tx=NAME_WIDTH + width + 4,
                ty=y + BAR_HEIGHT - 1,
            )
        )
    return "".join(parts)


@dataclass(frozen=True)
class CountBar:
    """One label's row in a count chart: its name, colour, how many, and its group (kind)."""

    name: str
    colour: str
    count: int
    group: str


COUNT_BAR = 16
COUNT_ROW = COUNT_BAR + 8
GROUP_ROW = 28


def count_chart(rows: list[CountBar], *, title: str) -> SafeString:
    """A horizontal bar chart of counts, bars scaled to the largest, rows under their group.

    Rows come grouped already (consecutive rows with the same ``group`` share its heading).
    """
    plot = WIDTH - NAME_WIDTH - VALUE_WIDTH
    largest = max((row.count for row in rows), default=0) or 1
    parts: list[str] = []
    y = 0
    group = None
    for row in rows:
        if row.group != group:
            group = row.group
            parts.append(format_html('<text class="group" x="0" y="{}">{}</text>', y + 20, group))
            y += GROUP_ROW
        parts.append(_count_row(row, y, round(row.count / largest * plot)))
        y += COUNT_ROW
    if not rows:
        parts.append(
            format_html(
                '<text class="empty" x="{}" y="{}" text-anchor="middle">{}</text>',
                WIDTH // 2,
                24,
                "Nothing to count.",
            )
        )
        y = 40
    return format_html(
        '<svg class="chart count-chart" xmlns="http://www.w3.org/2000/svg" '
        'viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-labelledby="{id}">'
        '<title id="{id}">{title}</title>{bars}</svg>',
        w=WIDTH,
        h=y + 6,
        id="count-chart-title",
        title=title,
        # Each part was built by format_html above, which escaped every name.
        bars=mark_safe("".join(parts)),  # noqa: S308
    )


def _count_row(row: CountBar, top: int, width: int) -> str:
    colour = row.colour if HEX_COLOUR.fullmatch(row.colour or "") else FALLBACK_COLOUR
    # A count of zero still shows a sliver, so the row does not read as missing.
    width = max(width, 1)
    return format_html(
        '<g class="count-row" data-label="{name}">'
        '<text class="name" x="{nx}" y="{ty}" text-anchor="end">{name}</text>'
        '<rect class="bar" x="{x}" y="{y}" width="{w}" height="{h}" fill="{fill}">'
        "<title>{name}: {count}</title></rect>"
        '<text class="value" x="{vx}" y="{ty}">{count}</text></g>',
        name=row.name,
        nx=NAME_WIDTH - 8,
        ty=top + COUNT_BAR - 3,
        x=NAME_WIDTH,
        y=top,
        w=width,
        h=COUNT_BAR,
        fill=colour,
        count=f"{row.count:,}",
        vx=NAME_WIDTH + width + 6,
    )


@dataclass(frozen=True)
class ScoreBar:
    """One row of a score chart: its name, colour and a figure on 0..1 (None: undefined).

    Alpha and kappa can fall below zero (worse than chance): such a bar is a sliver, and its
    value is written beside it as it is.
    """

    name: str
    colour: str
    value: float | None


def score_chart(rows: list[ScoreBar], *, title: str, chart_id: str) -> SafeString:
    """A horizontal bar chart of one figure per row on a 0..1 axis, values written out."""
    plot = WIDTH - NAME_WIDTH - VALUE_WIDTH
    height = 8 + max(len(rows), 1) * COUNT_ROW + BOTTOM
    bottom = height - BOTTOM
    grid = format_html_join(
        "",
        '<line class="grid" x1="{x}" y1="4" x2="{x}" y2="{bottom}"/>'
        '<text class="tick" x="{x}" y="{label_y}" text-anchor="middle">{tick}</text>',
        (
            {"x": _x(tick, plot), "bottom": bottom, "label_y": bottom + 16, "tick": f"{tick:g}"}
            for tick in TICKS
        ),
    )
    parts = [_score_row(row, 8 + index * COUNT_ROW, plot) for index, row in enumerate(rows)]
    if not rows:
        parts.append(
            format_html(
                '<text class="empty" x="{}" y="{}" text-anchor="middle">{}</text>',
                NAME_WIDTH + plot // 2,
                24,
                "Nothing to compare yet.",
            )
        )
    return format_html(
        '<svg class="chart score-chart" xmlns="http://www.w3.org/2000/svg" '
        'viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-labelledby="{id}">'
        '<title id="{id}">{title}</title>{grid}{bars}</svg>',
        w=WIDTH,
        h=height,
        id=chart_id,
        title=title,
        grid=grid,
        # Each part was built by format_html, which escaped every name.
        bars=mark_safe("".join(parts)),  # noqa: S308
    )


def _score_row(row: ScoreBar, top: int, plot: int) -> str:
    colour = row.colour if HEX_COLOUR.fullmatch(row.colour or "") else FALLBACK_COLOUR
    name = format_html(
        '<text class="name" x="{}" y="{}" text-anchor="end">{}</text>',
        NAME_WIDTH - 8,
        top + COUNT_BAR - 3,
        row.name,
    )
    if row.value is None:
        bar = format_html(
            '<text class="value none" x="{}" y="{}">n/a</text>', NAME_WIDTH + 4, top + COUNT_BAR - 3
        )
    else:
        width = max(round(min(max(row.value, 0.0), 1.0) * plot), 1)
        bar = format_html(
            '<rect class="bar" x="{x}" y="{y}" width="{w}" height="{h}" fill="{fill}">'
            "<title>{name}: {value}</title></rect>"
            '<text class="value" x="{vx}" y="{ty}">{value}</text>',
            x=NAME_WIDTH,
            y=top,
            w=width,
            h=COUNT_BAR,
            fill=colour,
            name=row.name,
            value=f"{row.value:.2f}",
            vx=NAME_WIDTH + width + 6,
            ty=top + COUNT_BAR - 3,
        )
    return format_html('<g class="score-row" data-name="{}">{}{}</g>', row.name, name, bar)
