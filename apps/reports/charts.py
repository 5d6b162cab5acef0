"""Server-rendered SVG bar charts for the admin dashboard and finance pages: no JavaScript, no
CDN, readable without styles (each bar has a <title> with its label and value)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def bar_chart(points: list[tuple[str, Decimal | int]], *, title: str, width: int = 720, height: int = 180,
              color: str = "#2563eb") -> SafeString:  # fmt: skip
    """``points``: (label, value) in order. Labels are shown under the first, middle and last
    bars; every bar carries its label and value as a tooltip."""
    pad_left, pad_bottom, pad_top = 48, 22, 18
    plot_w, plot_h = width - pad_left - 8, height - pad_bottom - pad_top
    values = [Decimal(str(v or 0)) for _, v in points]
    top = max(values, default=Decimal("0")) or Decimal("1")
    n = max(len(points), 1)
    step = plot_w / n
    bar_w = max(1.0, step * 0.8)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" class="foundry-chart">',
        f'<text x="{pad_left}" y="12" font-size="12" fill="currentColor">{escape(title)}</text>',
        f'<line x1="{pad_left}" y1="{pad_top + plot_h}" x2="{width - 8}" y2="{pad_top + plot_h}" '
        'stroke="#999"/>',
        f'<text x="{pad_left - 6}" y="{pad_top + 8}" font-size="10" text-anchor="end" fill="currentColor">'
        f"{escape(_short(top))}</text>",
        f'<text x="{pad_left - 6}" y="{pad_top + plot_h}" font-size="10" text-anchor="end" '
        'fill="currentColor">0</text>',
    ]
    label_at = {0, n // 2, n - 1}
    for i, ((label, _), value) in enumerate(zip(points, values, strict=True)):
        h = float(value / top) * plot_h if top else 0
        x = pad_left + i * step + (step - bar_w) / 2
        y = pad_top + plot_h - h
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{color}">'
            f"<title>{escape(label)}: {escape(_short(value))}</title></rect>"
        )
        if i in label_at:  # the first and last labels are anchored inwards, so none is cut off
            anchor = "start" if i == 0 else "end" if i == n - 1 else "middle"
            lx = x if i == 0 else x + bar_w if i == n - 1 else x + bar_w / 2
            parts.append(
                f'<text x="{lx:.1f}" y="{height - 6}" font-size="10" text-anchor="{anchor}" '
                f'fill="currentColor">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped above


def _short(value) -> str:
    value = Decimal(str(value))
    if value == value.to_integral():
        return f"{int(value):,}"
    return f"{value:,.2f}"
