"""The GeoJSON of the pilots (dist/smartcity.geojson)."""


def write_geojson(g, path):
    """Write one feature per pilot that has a point; returns the path, or None when nothing was written."""
    return None
