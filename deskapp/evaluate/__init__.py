"""`deskapp evaluate`: the desk's track record over a replay (no Qt; docs/EVALUATE.md)."""
