"""Bar charts drawn on the server as inline SVG: no chart library, no script, readable by
screen readers (each bar has its words) and printed as they are shown."""

from dataclasses import dataclass

WIDTH, HEIGHT = 480, 180
TOP, BOTTOM = 14, 18  # room for the values above the bars and the labels below


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    words: str  # what a screen reader says: "09h: 2 mensagens"
    tick: str  # the label under the bar, "" where bars are too many to label each
    x: float
    y: float
    width: float
    height: float

    @property
    def middle(self) -> float:
        return round(self.x + self.width / 2, 2)

    @property
    def value_y(self) -> float:
        return round(self.y - 3, 2)


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: list[Bar]
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def baseline(self) -> int:
        return self.height - BOTTOM

    @property
    def label_y(self) -> int:
        return self.height - 5


def bar_chart(title: str, labels: list[str], values: list[int], words: list[str]) -> BarChart:
    """Bars side by side, the tallest filling the height; a zero is a bar of no height."""
    tallest = max(values, default=0) or 1
    slot = WIDTH / max(len(values), 1)
    room = HEIGHT - TOP - BOTTOM
    every = 3 if len(values) > 12 else 1
    bars = []
    for n, (label, value, said) in enumerate(zip(labels, values, words, strict=True)):
        height = room * value / tallest
        tick = label if n % every == 0 else ""
        bars.append(Bar(label, value, said, tick, x=round(n * slot + slot * 0.15, 2),
                        y=round(HEIGHT - BOTTOM - height, 2), width=round(slot * 0.7, 2),
                        height=round(height, 2)))
    return BarChart(title, bars)
