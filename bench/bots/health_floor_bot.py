"""The health floor: the floor bot, plus the least a bot with health endpoints serves.

/livez, /readyz and /metrics on $HEALTH_PORT (127.0.0.1), from aiohttp (which discord.py already
brings) on the bot's own event loop, and prometheus-client's default registry with one gauge
(the gateway latency) for /metrics: the libraries the generated bot's health server uses. The
benchmark compares the generated bot with HEALTH_PORT set against it.
"""

from __future__ import annotations

import os

import discord
from aiohttp import web
from discord import app_commands
from prometheus_client import CONTENT_TYPE_LATEST, Gauge, generate_latest

LATENCY = Gauge("discord_gateway_latency_seconds", "Heartbeat round trip to the gateway")


class HealthFloorBot(discord.Client):
    """discord.py's example client, with an aiohttp site started in setup_hook."""

    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.default())
        self.tree = app_commands.CommandTree(self)
        self.runner: web.AppRunner | None = None

    async def setup_hook(self) -> None:
        app = web.Application()
        app.router.add_get("/livez", self.livez)
        app.router.add_get("/readyz", self.readyz)
        app.router.add_get("/metrics", self.metrics)
        self.runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", int(os.environ["HEALTH_PORT"])).start()

    async def livez(self, request: web.Request) -> web.Response:
        return web.json_response({"alive": True})

    async def readyz(self, request: web.Request) -> web.Response:
        return web.json_response({"ready": self.is_ready()}, status=200 if self.is_ready() else 503)

    async def metrics(self, request: web.Request) -> web.Response:
        LATENCY.set(self.latency)
        return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def close(self) -> None:
        await super().close()
        if self.runner is not None:
            await self.runner.cleanup()


def main() -> None:
    """Run until SIGINT; DISCORD_TOKEN and HEALTH_PORT come from the environment."""
    bot = HealthFloorBot()

    @bot.tree.command(description="Is the bot alive?")
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pong")

    bot.run(os.environ["DISCORD_TOKEN"])


if __name__ == "__main__":
    main()
