"""Pure helpers shared by several connectors (no I/O, no platform knowledge)."""
