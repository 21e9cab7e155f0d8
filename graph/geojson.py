"""The GeoJSON of the pilots (dist/smartcity.geojson).

One Feature per pilot whose territory is a single administrative unit with a
point of its own (geo:hasGeometry, see graph/links.py); pilots on a zone, on
several zones, on a unit without a point, and the special pilot projects (no
territory) have no feature: no point is borrowed from a parent unit.

RFC 7946: a FeatureCollection in WGS84 with longitude first, coordinates
rounded to 6 decimals (about 0.1 m, far finer than these approximate points).
The same graph gives the same bytes: features are sorted by the pilot's IRI and
members are written in a fixed order.
"""

import json
import re
from pathlib import Path

from rdflib import Literal
from rdflib.namespace import RDF, SKOS

from smartcity_kg.namespaces import GEO, SC, WD

KINDS = {SC.NewPilot: "new", SC.ExpansionPilot: "expansion", SC.SpecialPilotProject: "special"}
POINT = re.compile(r"^\s*(?:<[^>]*>\s*)?POINT\s*\(\s*(\S+)\s+(\S+)\s*\)\s*$", re.IGNORECASE)
PRECISION = 6


def label(g, node, lang):
    values = sorted(str(o) for o in g.objects(node, SKOS.prefLabel) if isinstance(o, Literal) and o.language == lang)
    return values[0] if values else None


def unit_point(g, unit):
    """(lon, lat) of a unit's own point, or None."""
    for geom in sorted(g.objects(unit, GEO.hasGeometry)):
        for wkt in g.objects(geom, GEO.asWKT):
            m = POINT.match(str(wkt))
            if m:
                return round(float(m.group(1)), PRECISION), round(float(m.group(2)), PRECISION)
    return None


def wikidata_item(g, unit):
    for predicate, match in ((SKOS.exactMatch, "exact"), (SKOS.closeMatch, "close")):
        for item in sorted(g.objects(unit, predicate)):
            if str(item).startswith(str(WD)):
                return str(item), match
    return None, None


def pilot_features(g):
    """The features, sorted by the pilot's IRI."""
    features = []
    for pilot in sorted(set(g.subjects(RDF.type, SC.Pilot))):
        territories = sorted(g.objects(pilot, SC.territory))
        if len(territories) != 1 or (territories[0], RDF.type, SC.AdministrativeUnit) not in g:
            continue
        unit = territories[0]
        point = unit_point(g, unit)
        if point is None:
            continue
        kind = next((name for cls, name in KINDS.items() if (pilot, RDF.type, cls) in g), None)
        batch = g.value(pilot, SC.batch)
        batch_year = g.value(batch, SC.batchYear) if batch is not None else None
        announced = g.value(pilot, SC.announcementDate)
        province = g.value(pilot, SC.province)
        item, match = wikidata_item(g, unit)
        properties = {
            "id": str(pilot),
            "name_zh": label(g, pilot, "zh"),
            "name_en": label(g, pilot, "en"),
            "kind": kind,
            "batch": int(str(batch_year)) if batch_year is not None else None,
            "year": int(str(announced)[:4]) if announced is not None else None,
            "announced": str(announced) if announced is not None else None,
            "province": label(g, province, "zh") if province is not None else None,
            "province_en": label(g, province, "en") if province is not None else None,
            "unit": str(unit),
            "unit_code": str(g.value(unit, SC.gbCode)),
            "unit_name_zh": label(g, unit, "zh"),
            "wikidata": item,
            "wikidata_match": match,
        }
        features.append({
            "type": "Feature",
            "id": str(pilot),
            "geometry": {"type": "Point", "coordinates": [point[0], point[1]]},
            "properties": properties,
        })
    return features


def geojson_text(g):
    collection = {"type": "FeatureCollection", "features": pilot_features(g)}
    lines = ['{"type": "FeatureCollection", "features": [']
    features = collection["features"]
    for i, feature in enumerate(features):
        sep = "," if i < len(features) - 1 else ""
        lines.append(json.dumps(feature, ensure_ascii=False, separators=(", ", ": ")) + sep)
    lines.append("]}")
    return "\n".join(lines) + "\n"


def write_geojson(g, path):
    """Write one feature per pilot that has a point; returns the path, or None when nothing was written."""
    text = geojson_text(g)
    if '"Feature"' not in text:
        return None
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
