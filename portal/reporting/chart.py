"""The statistics' bar chart laid out: where each bar stands and how tall it is; the template
draws it as SVG."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    label: str
    sublabel: str
    value: int | None
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    base: float
    top: int
    bars: list[Bar]


def bar_chart(
    totals: list[tuple[str, str, int | None]], width: int = 720, height: int = 260
) -> Chart:
    """Bars scaled to the largest published total; a withheld total gets no bar."""
    top = max((v for _, _, v in totals if v is not None), default=0)
    left, bottom, head = 8.0, 40.0, 24.0
    slot = (width - 2 * left) / max(len(totals), 1)
    usable = height - bottom - head
    bars = []
    for n, (label, sublabel, value) in enumerate(totals):
        bar_height = usable * value / top if value and top else 0.0
        x = left + n * slot + slot * 0.15
        bars.append(
            Bar(
                label,
                sublabel,
                value,
                round(x, 1),
                round(height - bottom - bar_height, 1),
                round(slot * 0.7, 1),
                round(bar_height, 1),
            )
        )
    return Chart(width, height, height - bottom, top, bars)
