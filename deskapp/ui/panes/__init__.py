"""One module per board pane."""
