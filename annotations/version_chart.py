"""The recommenders page's chart: each recommender's held-out F1 version after version.

Drawn server-side as inline SVG, like ``annotations.charts``: values in, markup out; names are
escaped by format_html; no ``style`` attribute (the Content-Security-Policy forbids them).
"""

from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

WIDTH = 640
HEIGHT = 200
LEFT = 40
RIGHT = 20
TOP = 16
BOTTOM = 30
TICKS = (0, 0.25, 0.5, 0.75, 1)
SERIES_CLASSES = 6  # .series-0 … .series-5 in recommenders.css


@dataclass(frozen=True)
class F1Series:
    """One recommender's (version, F1) points, oldest first; versions without figures left out."""

    name: str
    points: list[tuple[int, float]]


def series_class(index: int) -> str:
    """The CSS class of the index-th recommender's line (and its key)."""
    return f"series-{index % SERIES_CLASSES}"


def f1_chart(series: list[F1Series], *, title: str) -> SafeString:
    """A line per recommender: held-out F1 (0 to 1, up) over its version numbers (across)."""
    versions = [version for one in series for version, _ in one.points]
    low, high = (min(versions), max(versions)) if versions else (1, 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(version: int) -> int:
        return LEFT + (
            round((version - low) / (high - low) * plot_w) if high > low else plot_w // 2
        )

    def y(value: float) -> int:
        return TOP + round((1 - value) * plot_h)

    grid = format_html_join(
        "",
        '<line class="grid" x1="{l}" y1="{y}" x2="{r}" y2="{y}"/>'
        '<text class="tick" x="{tx}" y="{ty}" text-anchor="end">{tick}</text>',
        (
            {
                "l": LEFT,
                "r": WIDTH - RIGHT,
                "y": y(tick),
                "tx": LEFT - 6,
                "ty": y(tick) + 4,
                "tick": f"{tick:g}",
            }
            for tick in TICKS
        ),
    )
    axis = format_html_join(
        "",
        '<text class="tick" x="{x}" y="{y}" text-anchor="middle">v{v}</text>',
        ({"x": x(v), "y": HEIGHT - 10, "v": v} for v in sorted(set(versions))),
    )
    lines = []
    for index, one in enumerate(series):
        if not one.points:
            continue
        css = series_class(index)
        points = " ".join(f"{x(v)},{y(f1)}" for v, f1 in one.points)
        dots = format_html_join(
            "",
            '<circle class="dot {c}" cx="{x}" cy="{y}" r="4">'
            "<title>{n} v{v}: F1 {f}</title></circle>",
            (
                {"c": css, "x": x(v), "y": y(f1), "n": one.name, "v": v, "f": f"{f1:.2f}"}
                for v, f1 in one.points
            ),
        )
        lines.append(format_html('<polyline class="line {}" points="{}"/>{}', css, points, dots))
    empty = ""
    if not versions:
        empty = format_html(
            '<text class="empty" x="{}" y="{}" text-anchor="middle">{}</text>',
            LEFT + plot_w // 2,
            TOP + plot_h // 2,
            "No version with held-out figures yet.",
        )
    return format_html(
        '<svg class="chart f1-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" '
        'width="{w}" height="{h}" role="img" aria-labelledby="f1-chart-title">'
        '<title id="f1-chart-title">{title}</title>{grid}{axis}{lines}{empty}</svg>',
        w=WIDTH,
        h=HEIGHT,
        title=title,
        grid=grid,
        axis=axis,
        lines=mark_safe("".join(lines)),  # noqa: S308 - each part built by format_html
        empty=empty,
    )
