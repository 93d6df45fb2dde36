"""Operators of the Hex provider."""
