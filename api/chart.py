"""Pilots per province and batch as an inline SVG bar chart (no JavaScript, no chart library)."""

from html import escape

COLOURS = {"2012": "#1b6ca8", "2013": "#e07b39", "2014": "#3a9d5d"}
ROW = 20
LABEL_WIDTH = 150
BAR_WIDTH = 460


def pilots_chart(provinces, years):
    """provinces: [{"label", "en", "href", "counts": {year: n}}], sorted; years: ["2012", …]."""
    if not provinces:
        return '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" role="img"></svg>'
    top = max(sum(p["counts"].values()) for p in provinces) or 1
    scale = BAR_WIDTH / top
    legend_height = 28
    height = legend_height + ROW * len(provinces) + 24
    width = LABEL_WIDTH + BAR_WIDTH + 50
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" id="pilots-chart" class="chart" role="img" '
             f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
             f'aria-label="Pilots per province and batch 各省试点数（按批次）">']
    x = LABEL_WIDTH
    for year in years:
        colour = COLOURS.get(year, "#888")
        parts.append(f'<rect x="{x}" y="6" width="14" height="14" fill="{colour}"/>'
                     f'<text x="{x + 18}" y="18" class="legend">{escape(year)} 批</text>')
        x += 90
    for i, prov in enumerate(provinces):
        y = legend_height + i * ROW
        total = sum(prov["counts"].values())
        label = escape(prov["label"])
        title = escape(f'{prov["label"]} {prov.get("en") or ""}: {total}'.strip())
        parts.append(f'<g class="bar" data-province="{label}" data-total="{total}"><title>{title}</title>')
        parts.append(f'<a href="{escape(prov["href"])}"><text x="{LABEL_WIDTH - 8}" y="{y + 14}" '
                     f'text-anchor="end" class="label">{label}</text></a>')
        x = LABEL_WIDTH
        for year in years:
            n = prov["counts"].get(year, 0)
            if not n:
                continue
            w = n * scale
            parts.append(f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{ROW - 6}" '
                         f'fill="{COLOURS.get(year, "#888")}" data-year="{escape(year)}" data-count="{n}">'
                         f'<title>{label} {escape(year)}: {n}</title></rect>')
            x += w
        parts.append(f'<text x="{x + 5:.1f}" y="{y + 14}" class="total">{total}</text></g>')
    parts.append("</svg>")
    return "".join(parts)
