"""Benchmarks of this template against its floors: Copier's own and bare discord.py's.

`uv run python -m bench` prints the table in README.md's "Performance" section; `bench/run.py`
says what each figure means. Nothing here is part of a rendered project.
"""
