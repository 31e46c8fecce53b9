"""Pages for attendants and managers."""
