"""Small server-rendered SVG charts (no JavaScript, no CDN, CSP-safe): each has a title and a
description for screen readers, and every figure is also shown as text beside it."""
from __future__ import annotations

from markupsafe import Markup, escape

PALETTE = ["#1f5fbf", "#d9822b", "#1e7a3c", "#8e44ad", "#b3261e", "#0f6e6e"]


def text_width(text: str, size: float) -> float:
    """A generous estimate of how wide `text` is drawn at font `size` in a sans-serif face: room
    reserved from it keeps every label inside the chart (an SVG clips at its viewBox)."""
    return len(text) * size * 0.62


def bar_chart(title: str, rows: list[tuple[str, float]], maximum: float | None = None, percent: bool = False) -> Markup:
    """Horizontal bars; percentages are drawn against 100 % (a 67 % bar is two thirds long), other
    values against `maximum` or the largest value."""
    bar_h, gap = 22, 8
    label_w = max(120.0, min(320.0, max((text_width(label, 13) for label, _ in rows), default=0) + 12))
    width = 560 + max(0.0, label_w - 200)
    top = maximum or (1.0 if percent else max((v for _, v in rows), default=1)) or 1
    height = len(rows) * (bar_h + gap) + 10
    parts = [f'<svg role="img" aria-labelledby="t-{id(rows)}" viewBox="0 0 {width} {height}" class="chart" '
             f'xmlns="http://www.w3.org/2000/svg"><title id="t-{id(rows)}">{escape(title)}</title>']
    for n, (label, value) in enumerate(rows):
        y = n * (bar_h + gap) + 5
        w = (width - label_w - 60) * (value / top if top else 0)
        text = f"{value * 100:.0f}%" if percent else f"{value:g}"
        shown = label if text_width(label, 13) + 12 <= label_w else label[:int((label_w - 12) / (13 * 0.62)) - 1] + "…"
        parts.append(f'<text x="{label_w - 6:.1f}" y="{y + 16}" text-anchor="end" font-size="13">'
                     f'<title>{escape(label)}</title>{escape(shown)}</text>'
                     f'<rect x="{label_w}" y="{y}" width="{max(w, 1):.1f}" height="{bar_h}" fill="{PALETTE[0]}"/>'
                     f'<text x="{label_w + w + 6:.1f}" y="{y + 16}" font-size="13">{text}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # every label above went through escape(); numbers are formatted here  # nosec B704


def line_chart(title: str, labels: list[str], series: dict[str, list[float | None]]) -> Markup:
    """Lines over months on a 0–100 % scale; the legend sits under the plot, as many names to a row
    as fit, so long unit names are never cut."""
    width, plot_top, left, bottom = 560, 10, 40, 30
    plot_w, plot_h = width - left - 20, 180
    legend, x, row = [], 0.0, 0
    for name in series:
        need = 16 + text_width(name, 11) + 14
        if x and x + need > width - left:
            x, row = 0.0, row + 1
        legend.append((left + x, row))
        x += need
    height = plot_top + plot_h + bottom + (row + 1) * 18 + 6 if series else plot_top + plot_h + bottom
    parts = [f'<svg role="img" aria-labelledby="l-{id(series)}" viewBox="0 0 {width} {height}" class="chart" '
             f'xmlns="http://www.w3.org/2000/svg"><title id="l-{id(series)}">{escape(title)}</title>']
    for tick in (0, 0.5, 1):
        y = plot_top + plot_h * (1 - tick)
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d5dae4"/>'
                     f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{tick * 100:.0f}%</text>')
    step = plot_w / max(len(labels) - 1, 1)
    for n, label in enumerate(labels):
        parts.append(f'<text x="{left + n * step:.1f}" y="{plot_top + plot_h + 20}" text-anchor="middle" font-size="11">'
                     f'{escape(label)}</text>')
    for k, (name, values) in enumerate(series.items()):
        colour = PALETTE[k % len(PALETTE)]
        points = [(left + n * step, plot_top + plot_h * (1 - v)) for n, v in enumerate(values) if v is not None]
        if points:
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2.5" points="'
                         + " ".join(f"{x:.1f},{y:.1f}" for x, y in points) + '"/>')
            parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>' for x, y in points]
        lx, lrow = legend[k]
        ly = plot_top + plot_h + bottom + lrow * 18
        parts.append(f'<rect x="{lx:.1f}" y="{ly:.1f}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{lx + 14:.1f}" y="{ly + 9:.1f}" font-size="11">{escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # every label above went through escape(); numbers are formatted here  # nosec B704


def heat_colour(share: float) -> tuple[int, int, int]:
    """The heatmap's colour for a share of people weak: white-ish at 0, deep red at 1 (the same
    scale as the digest's table)."""
    share = min(max(share, 0.0), 1.0)
    return 255, int(235 - 150 * share), int(235 - 200 * share)


def heatmap_png(heat: dict, title: str = "Share of people weak, by skill") -> bytes:
    """The trainers' heatmap (`training.heatmap`) as a PNG for email, where clients show an image
    faithfully and many mangle styled tables: one row per skill, one column per unit or job role,
    each cell the share weak with its percentage; a group too small to show reads "<N" on grey."""
    import io

    from PIL import Image, ImageDraw, ImageFont

    font, bold = ImageFont.load_default(size=13), ImageFont.load_default(size=15)
    skills, groups, cells = heat["skills"], heat["rows"], heat["cells"]

    def fitted(text: str, room: float) -> str:
        if font.getlength(text) <= room:
            return text
        while text and font.getlength(text + "...") > room:
            text = text[:-1]
        return text + "..."

    pad, cell_h = 10, 26
    label_w = int(min(260, max([font.getlength(name) for _, name in skills] + [60]) + 2 * pad))
    col_w = int(min(150, max([font.getlength(name) for _, name in groups] + [70]) + 2 * pad))
    top = 34 + cell_h
    width = label_w + col_w * max(len(groups), 1) + pad
    height = top + cell_h * max(len(skills), 1) + pad
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.text((pad, 8), title, fill=(29, 35, 48), font=bold)
    for c, (_, name) in enumerate(groups):
        x = label_w + c * col_w
        draw.text((x + col_w / 2, 34 + cell_h / 2), fitted(name, col_w - 2 * pad), fill=(29, 35, 48), font=font,
                  anchor="mm")
    for r, (slug, name) in enumerate(skills):
        y = top + r * cell_h
        draw.text((pad, y + cell_h / 2), fitted(name, label_w - 2 * pad), fill=(29, 35, 48), font=font, anchor="lm")
        for c, (key, _) in enumerate(groups):
            x = label_w + c * col_w
            cell = cells.get((key, slug))
            if cell is None:
                fill, text = (246, 247, 250), "-"  # the bundled font has ASCII, not typographic dashes
            elif cell.get("hidden"):
                fill, text = (226, 229, 236), f"<{heat.get('min_people', 1)}"
            else:
                fill, text = heat_colour(cell["share"]), f"{round(100 * cell['share'])}%"
            draw.rectangle([x + 1, y + 1, x + col_w - 2, y + cell_h - 2], fill=fill)
            draw.text((x + col_w / 2, y + cell_h / 2), text, fill=(29, 35, 48), font=font, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
