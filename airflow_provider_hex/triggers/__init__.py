"""Triggers of the Hex provider."""
