"""Engines and frameworks giar plugs into (optional extras)."""
