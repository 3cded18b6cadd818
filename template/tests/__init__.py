"""The bot's tests: a package, so no test module can shadow the bot (say, one named test_bot)."""
