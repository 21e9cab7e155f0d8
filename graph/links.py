"""Links of the graph's units to the web of data (Wikidata) and their point coordinates."""


def add_links(g):
    """Add skos:exactMatch / skos:closeMatch links and GeoSPARQL points to the units of `g`."""
    return g
