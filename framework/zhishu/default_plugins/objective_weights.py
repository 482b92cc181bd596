"""Placeholder: filled in by the methods library (issue 3)."""
