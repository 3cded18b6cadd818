"""The floor: the smallest discord.py bot that answers /ping, with every discord.py default.

No settings, no extensions, no error handling: `discord.Client` and a command tree, as in
discord.py's own examples. The benchmark compares the generated bot against this one. It shards
(`AutoShardedClient`) only when SHARD_COUNT is set, as the generated bot does, because Discord
refuses more than 2,500 servers on one connection. $BENCH_INTENTS (such as ``members``) adds
privileged intents, as the generated bot has them when its author chose them: every other
option stays discord.py's default for those intents (with ``members``: the whole member cache,
and every server's member list downloaded at start-up).
"""

from __future__ import annotations

import os

import discord
from discord import app_commands


def main() -> None:
    """Run until SIGINT; DISCORD_TOKEN comes from the environment."""
    shard_count = os.environ.get("SHARD_COUNT")
    intents = discord.Intents.default()
    for name in filter(None, os.environ.get("BENCH_INTENTS", "").split(",")):
        setattr(intents, name, True)
    client: discord.Client = (
        discord.AutoShardedClient(intents=intents, shard_count=int(shard_count))
        if shard_count
        else discord.Client(intents=intents)
    )
    tree = app_commands.CommandTree(client)

    @tree.command(description="Is the bot alive?")
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pong")

    client.run(os.environ["DISCORD_TOKEN"])


if __name__ == "__main__":
    main()
