"""The geometry of the pipeline view's small activity chart, drawn as inline SVG by the template."""

from __future__ import annotations

from dataclasses import dataclass

from query_svc.application.activity import Activity

WIDTH, HEIGHT = 600, 150
LEFT, RIGHT, TOP, BOTTOM = 36, 8, 10, 22  # room for the axis labels


@dataclass(frozen=True)
class Series:
    stage: str
    points: str  # SVG polyline points
    total: int
    per_minute: float  # over the last complete minutes


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    series: tuple[Series, ...]
    y_max: int
    y_axis: tuple[tuple[float, str], ...]  # (y, label)
    x_axis: tuple[tuple[float, str], ...]  # (x, label)
    baseline: float


def activity_chart(activity: Activity) -> Chart:
    minutes = len(activity.minutes)
    y_max = max([1, *(max(values) for values in activity.counts.values())])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        return round(LEFT + plot_w * (i / max(1, minutes - 1)), 1)

    def y(value: float) -> float:
        return round(TOP + plot_h * (1 - value / y_max), 1)

    series = tuple(
        Series(
            stage=stage,
            points=" ".join(f"{x(i)},{y(v)}" for i, v in enumerate(values)),
            total=sum(values),
            per_minute=round(activity.per_minute(stage), 1),
        )
        for stage, values in activity.counts.items()
    )
    x_axis = tuple(
        (x(i), activity.minutes[i].strftime("%H:%M")) for i in range(0, minutes, max(1, minutes // 5))
    )
    return Chart(WIDTH, HEIGHT, series, y_max, ((y(y_max), str(y_max)), (y(0), "0")), x_axis, y(0))
