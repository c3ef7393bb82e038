"""The team feed: one collector writes market data into PostgreSQL, every desk reads it.
No Qt anywhere in this package."""
