"""Connectors: per source type, its settings, its plan of checks and its reader."""
