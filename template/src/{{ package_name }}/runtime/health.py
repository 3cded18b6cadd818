"""A small HTTP server on the bot's own event loop: /livez, /readyz and /metrics.

On only when HEALTH_PORT is set (the container image, compose and the Kubernetes manifest set
it), bound to HEALTH_HOST (127.0.0.1 unless told otherwise). docs/operations.md shows how each
is used:

- /livez: 200 while the event loop answers, whatever the connection does (a disconnect or a
  RESUME is ordinary): a failing /livez means the process is stuck, and a restart helps;
- /readyz: 200 only when the bot is ready and every shard it runs is connected with a measured
  latency, else 503; the JSON body lists each shard, and the phase the start is in;
- /metrics: Prometheus' text format (runtime/metrics.py).
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any

import discord
from aiohttp import web
from discord.ext import commands

from . import metrics
from .launch import Progress
from .settings import Settings, SettingsError, shown

log = logging.getLogger(__name__)

PATHS = {"live": "/livez", "ready": "/readyz", "metrics": "/metrics"}


class HealthServer:
    """The endpoints for one bot (or for none: `ON_FATAL_ERROR=wait` after a fatal error)."""

    def __init__(
        self,
        settings: Settings,
        progress: Progress,
        *,
        with_metrics: bool = True,
    ) -> None:
        assert settings.health_port is not None
        self.host, self.port = settings.health_host, settings.health_port
        self.progress = progress
        self.metrics = metrics.BotMetrics() if with_metrics else None
        self.bot: commands.Bot | None = None
        self._runner: web.AppRunner | None = None

    def bot_options(self) -> dict[str, Any]:
        """Options for discord.py's Client: the HTTP trace that counts Discord's answers."""
        return {"http_trace": self.metrics.http_trace()} if self.metrics else {}

    async def start(self, bot: commands.Bot | None) -> None:
        """Listen on HEALTH_HOST:HEALTH_PORT; a port in use is a setting to fix (exit 2)."""
        self.bot = bot
        app = web.Application()
        app.router.add_get(PATHS["live"], self.livez)
        app.router.add_get(PATHS["ready"], self.readyz)
        if self.metrics is not None:
            app.router.add_get(PATHS["metrics"], self.metrics_page)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self.port)
            await site.start()
        except OSError as error:
            await runner.cleanup()
            raise SettingsError(
                f"HEALTH_PORT {self.port} on HEALTH_HOST {shown(self.host)} cannot be used "
                f"({error.strerror or error}): choose another port, or leave HEALTH_PORT empty."
            ) from error
        self._runner = runner
        self.port = runner.addresses[0][1]  # HEALTH_PORT=0 takes any free port
        if self.metrics is not None and bot is not None:
            self.metrics.attach(bot)
        log.info(
            "Health and metrics on http://%s:%d (%s)",
            self.host,
            self.port,
            ", ".join(PATHS.values() if self.metrics else (PATHS["live"], PATHS["ready"])),
        )

    async def stop(self) -> None:
        if self.metrics is not None:
            self.metrics.detach()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def livez(self, request: web.Request) -> web.Response:
        _, readiness_body = readiness(self.bot, self.progress)
        return _json(200, {"alive": True, "phase": readiness_body["phase"]})

    async def readyz(self, request: web.Request) -> web.Response:
        ready, body = readiness(self.bot, self.progress)
        return _json(200 if ready else 503, body)

    async def metrics_page(self, request: web.Request) -> web.Response:
        assert self.metrics is not None
        return web.Response(
            body=self.metrics.exposition(),
            headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"},
        )


def readiness(bot: discord.Client | None, progress: Progress) -> tuple[bool, dict[str, Any]]:
    """Ready: READY received, and every shard connected with a finite latency."""
    shards = []
    if bot is not None:
        for shard, connected, latency in metrics.connections(bot):
            finite = math.isfinite(latency)
            shards.append(
                {"shard": shard, "connected": connected, "latency": latency if finite else None}
            )
    up = bool(shards) and all(
        entry["connected"] and entry["latency"] is not None for entry in shards
    )
    started = bot is not None and bot.is_ready()
    ready = started and up
    phase = "ready" if ready else "reconnecting" if started else progress.phase
    body: dict[str, Any] = {"ready": ready, "phase": phase, "shards": shards}
    if progress.detail and not ready:
        body["detail"] = progress.detail
    return ready, body


def _json(status: int, body: dict[str, Any]) -> web.Response:
    return web.Response(
        status=status, text=json.dumps(body), content_type="application/json", charset="utf-8"
    )
