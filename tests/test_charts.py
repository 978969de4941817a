"""The adoption charts draw what they say: a percentage bar is as long as its share of 100 %, and
every label and legend entry fits inside the chart (an SVG clips at its viewBox: "Sales North Amer")."""
import re

from app.charts import bar_chart, line_chart, text_width

UNITS = ["Sales North America", "Customer Service", "Sales EMEA", "Marketing", "Partner & Channel Sales Europe"]


def _view_width(svg: str) -> float:
    return float(re.search(r'viewBox="0 0 ([\d.]+) ', svg).group(1))


def test_a_percentage_bar_is_drawn_against_one_hundred_percent():
    svg = str(bar_chart("Share active", [("Sales EMEA", 0.67), ("Marketing", 0.335)], percent=True))
    widths = [float(w) for w in re.findall(r'<rect x="[\d.]+" y="\d+" width="([\d.]+)"', svg)]
    label_w = float(re.search(r'<rect x="([\d.]+)"', svg).group(1))
    full = _view_width(svg) - label_w - 60
    assert abs(widths[0] - 0.67 * full) < 1 and abs(widths[1] - 0.335 * full) < 1
    assert "67%" in svg and "34%" in svg


def test_every_bar_label_fits_left_of_its_bar():
    svg = str(bar_chart("Weak", [(u, n) for n, u in enumerate(UNITS, start=1)]))
    for x, shown in re.findall(r'<text x="([\d.]+)" y="\d+" text-anchor="end" font-size="13"><title>[^<]*</title>([^<]*)',
                               svg):
        assert float(x) - text_width(shown.replace("&amp;", "&"), 13) >= 0, shown
    assert "Partner &amp; Channel Sales Europe" in svg  # the full name, at least in the tooltip


def test_the_line_chart_legend_fits_and_names_every_series_in_full():
    svg = str(line_chart("Results", ["Oct", "Nov", "Dec"], {u: [0.2, 0.5, None] for u in UNITS}))
    width = _view_width(svg)
    height = float(re.search(r'viewBox="0 0 [\d.]+ ([\d.]+)"', svg).group(1))
    entries = re.findall(r'<text x="([\d.]+)" y="([\d.]+)" font-size="11">([^<]+)</text>', svg)
    names = {name.replace("&amp;", "&") for _, _, name in entries}
    assert set(UNITS) <= names
    for x, y, name in entries:
        if name.replace("&amp;", "&") in UNITS:
            assert float(x) + text_width(name.replace("&amp;", "&"), 11) <= width and float(y) <= height, name
