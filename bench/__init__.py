"""Benchmarks of this template against its floors: Copier's own and bare discord.py's.

`uv run python -m bench` prints the tables summarised in README.md's "Performance" section;
docs/performance.md says what each figure means. The parts: cli.py (command line), run.py (the
measurements, alternating sides), report.py (the tables), answer_sets.py (what gets rendered),
copier_runs.py and copier_counts.py (Copier's side), bot_runs.py and bots/ (the bots' side).
Nothing here is part of a rendered project.
"""
