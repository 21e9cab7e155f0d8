"""The competency questions, as SPARQL files."""
