"""CLI: the `vecbase` command (serve)."""
