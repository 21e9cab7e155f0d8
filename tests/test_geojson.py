"""dist/smartcity.geojson: one feature per pilot that has a point, valid RFC 7946, read by real GeoJSON readers."""

import json

import geojson
import pytest
from rdflib.namespace import RDF

from smartcity_kg.graph.geojson import geojson_text, write_geojson
from smartcity_kg.namespaces import GEO, ID, SC

PROPERTIES = ["id", "name_zh", "name_en", "kind", "batch", "year", "announced", "province", "province_en",
              "unit", "unit_code", "unit_name_zh", "wikidata", "wikidata_match"]


@pytest.fixture(scope="module")
def path(dist):
    return dist / "smartcity.geojson"


@pytest.fixture(scope="module")
def collection(path):
    return geojson.loads(path.read_text(encoding="utf-8"))


def pilots_with_points(graph):
    """Independently of graph/geojson.py: pilots whose one territory is a unit with its own point."""
    out = {}
    for pilot in graph.subjects(RDF.type, SC.Pilot):
        territories = list(graph.objects(pilot, SC.territory))
        if len(territories) != 1:
            continue
        geom = graph.value(territories[0], GEO.hasGeometry)
        if geom is not None:
            lon, lat = str(graph.value(geom, GEO.asWKT))[len("POINT("):-1].split()
            out[str(pilot)] = (float(lon), float(lat), territories[0])
    return out


def test_written_by_the_build_and_valid(collection):
    assert collection.is_valid, collection.errors()
    assert collection["type"] == "FeatureCollection"
    assert "crs" not in collection  # RFC 7946: WGS84 longitude/latitude, no crs member


def test_one_feature_per_pilot_with_a_point(collection, graph):
    expected = pilots_with_points(graph)
    ids = [f["properties"]["id"] for f in collection["features"]]
    assert len(ids) == len(set(ids))
    assert set(ids) == set(expected)
    assert len(ids) == 233
    assert ids == sorted(ids)
    for feature in collection["features"]:
        lon, lat, unit = expected[feature["id"]]
        assert feature["geometry"]["type"] == "Point"
        assert feature["geometry"]["coordinates"] == [round(lon, 6), round(lat, 6)]  # longitude first
        assert feature["properties"]["unit"] == str(unit)


def test_no_feature_for_zones_or_units_without_a_point(collection, graph):
    ids = {f["id"] for f in collection["features"]}
    assert str(ID["pilot/2012-guangzhou-luogang"]) not in ids      # 萝岗区: merged since, no link, no point
    assert str(ID["pilot/2014-laiwu"]) not in ids                  # 莱芜市: merged into 济南市
    assert str(ID["pilot/2013-fangshan-changyang"]) not in ids     # 长阳镇: a town without a point of its own
    assert str(ID["pilot/2012-beijing-chaoyang"]) in ids
    zone_pilots = {str(p) for p, t in graph.subject_objects(SC.territory) if (t, RDF.type, SC.Zone) in graph}
    assert len(zone_pilots) > 30
    assert not zone_pilots & ids


def test_properties(collection, graph):
    for feature in collection["features"]:
        props = feature["properties"]
        assert list(props) == PROPERTIES
        assert props["kind"] in ("new", "expansion", "special")
        assert props["batch"] in (2012, 2013, 2014)
        assert props["year"] == {2012: 2013, 2013: 2013, 2014: 2015}[props["batch"]]
        assert props["announced"].startswith(str(props["year"]))
        assert props["name_zh"] and props["name_en"] and props["province"]
        assert props["unit_code"].isdigit() and len(props["unit_code"]) in (6, 12)
        assert props["wikidata_match"] in ("exact", "close")
    chaoyang = next(f for f in collection["features"] if f["id"].endswith("/pilot/2012-beijing-chaoyang"))
    assert chaoyang["properties"]["province"] == "北京市"
    assert chaoyang["properties"]["unit_code"] == "110105"
    assert chaoyang["properties"]["kind"] == "new"


def test_read_by_gdal(path):
    """GDAL's GeoJSON driver, as QGIS and geopandas use it."""
    pyogrio = pytest.importorskip("pyogrio", reason="pyogrio (GDAL) is not installed")
    info = pyogrio.read_info(path)
    assert info["features"] == 233
    assert info["geometry_type"] == "Point"
    assert info["crs"] == "EPSG:4326"
    assert {"id", "name_zh", "kind", "batch", "year", "province", "unit_code"} <= set(info["fields"])
    west, south, east, north = info["total_bounds"]
    assert 73 < west < east < 136 and 3 < south < north < 54


def test_deterministic(graph, tmp_path):
    a = write_geojson(graph, tmp_path / "a.geojson").read_bytes()
    b = write_geojson(graph, tmp_path / "b.geojson").read_bytes()
    assert a == b
    assert json.loads(a) == json.loads(geojson_text(graph))
