"""Reproducible speed and memory measurements (see RESULTS.md)."""
