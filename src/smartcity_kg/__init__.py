"""smartcity-kg: the linked open knowledge graph of China's National Smart City Pilot programme."""

__version__ = "0.1.0"
