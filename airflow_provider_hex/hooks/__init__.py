"""Hooks of the Hex provider."""
