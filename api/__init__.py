"""The SPARQL and linked-data API."""
