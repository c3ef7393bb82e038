"""Pure pandas/numpy signal definitions (../shared/DESIGN.md section 5). No Qt, no I/O, no clock."""
