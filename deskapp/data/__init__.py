"""Fetch, normalise, cache and replay market data. No Qt widgets here."""
