"""`uv run python -m bench`: measure, then print the Markdown table."""

from bench.run import main

raise SystemExit(main())
