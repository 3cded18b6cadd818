"""What the tests run the bot with: the harness around runtime/fake_discord.py."""
