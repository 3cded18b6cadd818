"""`python -m <package>` starts the bot, like the `uv run <package>` command."""

from .runtime.cli import main

raise SystemExit(main())
