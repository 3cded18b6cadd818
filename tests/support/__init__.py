"""Helpers the template's tests share, imported as `support.<module>` (pythonpath = tests)."""
