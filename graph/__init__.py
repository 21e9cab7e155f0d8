"""The curated data of the graph (graph/data) and its build."""
