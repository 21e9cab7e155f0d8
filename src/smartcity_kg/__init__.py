"""smartcity-kg: the linked open knowledge graph of China's National Smart City Pilot programme."""

__version__ = "0.1.0"


def __getattr__(name):
    # `smartcity_kg.panel(...)`: the treatment panel as a pandas DataFrame, imported on first use
    # (the module smartcity_kg.panel is itself callable; see docs/panel.md).
    if name == "panel":
        import importlib

        return importlib.import_module("smartcity_kg.panel")
    raise AttributeError(f"module 'smartcity_kg' has no attribute {name!r}")
