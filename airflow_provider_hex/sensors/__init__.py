"""Sensors of the Hex provider."""
