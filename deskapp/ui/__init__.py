"""Qt widgets: draw and react, never block."""
