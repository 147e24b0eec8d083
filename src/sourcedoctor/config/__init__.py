"""Connection settings: validated models, URL parsing and secret handling (the user-facing edge)."""
