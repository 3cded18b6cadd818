"""`uv run python -m bench`: measure, then print the Markdown tables."""

from bench.cli import main

raise SystemExit(main())
