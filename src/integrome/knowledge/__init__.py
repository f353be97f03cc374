"""knowledge stage."""
