"""The OWL ontology of the graph (smartcity.ttl)."""
