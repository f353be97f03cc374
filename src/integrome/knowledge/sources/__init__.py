"""knowledge/sources stage."""
