"""`python -m <package>` starts the bot, like the `uv run <package>` command."""

from .runtime.entry import main

raise SystemExit(main())
