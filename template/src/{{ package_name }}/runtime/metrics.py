"""The bot's Prometheus metrics, served at /metrics by runtime/health.py (HEALTH_PORT).

Names and labels follow discord-ext-prometheus, so its Grafana dashboard (grafana.com,
dashboard 17670) works unchanged: discord_connected{shard}, discord_latency_seconds{shard},
discord_event_on_interaction_total{shard,interaction,command},
discord_event_on_command_total{shard,command}, discord_stat_total_{guilds,channels,users,
commands}, logging_total{logger,level} and the process_* metrics. The shard label is the shard
number, or "None" for a bot without shards, as there. Added here:
discord_identify_total{shard} and discord_resume_total{shard} (session starts and resumes),
discord_session_start_remaining and discord_session_start_total (Discord's daily IDENTIFY
budget, as read at start minus the IDENTIFYs since), discord_command_sync_total{result},
discord_http_responses_total{status}, discord_http_rate_limited_total{scope} (HTTP 429s) and
discord_gateway_malformed_events_total{event}.

Imported only when HEALTH_PORT is set: a bot without it never loads prometheus_client.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Coroutine, Iterable
from types import SimpleNamespace
from typing import Any

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands
from prometheus_client import (
    CollectorRegistry,
    Counter,
    GCCollector,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from . import gateway, guard, launch

SYNC_RESULTS = ("sent", "unchanged", "rate_limited", "refused")
RATE_LIMIT_SCOPES = ("user", "global", "shared")


def shard_label(bot: discord.Client, shard_id: int | None) -> str:
    """discord-ext-prometheus's label: the shard number, "None" without sharding."""
    if shard_id is None or not isinstance(bot, discord.AutoShardedClient):
        return "None"
    return str(shard_id)


class BotMetrics:
    """A registry of the bot's metrics, fed by its events and read from it at each scrape."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        self.bot: discord.Client | None = None
        self.budget: guard.Budget | None = None
        self.identifies_since_budget = 0

        def counter(name: str, documentation: str, labels: Iterable[str]) -> Counter:
            return Counter(name, documentation, list(labels), registry=self.registry)

        self.interactions = counter(
            "discord_event_on_interaction",
            "Interactions received (slash commands, buttons, modals)",
            ("shard", "interaction", "command"),
        )
        self.commands = counter(
            "discord_event_on_command", "Text commands invoked", ("shard", "command")
        )
        self.identifies = counter(
            "discord_identify", "Session starts (IDENTIFY) sent: each spends the budget", ["shard"]
        )
        self.resumes = counter("discord_resume", "Gateway sessions resumed", ["shard"])
        self.syncs = counter("discord_command_sync", "Start-up command syncs", ["result"])
        self.responses = counter(
            "discord_http_responses", "Discord HTTP API answers by status", ["status"]
        )
        self.rate_limited = counter(
            "discord_http_rate_limited", "HTTP 429 answers (rate limited)", ["scope"]
        )
        self.malformed = counter(
            "discord_gateway_malformed_events", "Gateway events skipped as malformed", ["event"]
        )
        self.log_entries = counter("logging", "Log entries", ("logger", "level"))
        for result in SYNC_RESULTS:
            self.syncs.labels(result)
        for scope in RATE_LIMIT_SCOPES:
            self.rate_limited.labels(scope)
        self.registry.register(_LiveState(self))
        self.log_handler = _LogCounter(self.log_entries)

    def http_trace(self) -> aiohttp.TraceConfig:
        """For discord.py's `http_trace` option: counts every answer of Discord's HTTP API."""
        trace = aiohttp.TraceConfig()

        async def on_request_end(
            session: aiohttp.ClientSession,
            context: SimpleNamespace,
            params: aiohttp.TraceRequestEndParams,
        ) -> None:
            status = params.response.status
            self.responses.labels(str(status)).inc()
            if status == 429:
                scope = params.response.headers.get("X-RateLimit-Scope", "user")
                self.rate_limited.labels(scope if scope in RATE_LIMIT_SCOPES else "user").inc()

        trace.on_request_end.append(on_request_end)
        return trace

    def attach(self, bot: commands.Bot) -> None:
        """Count `bot`'s events from now on; the gauges are read from it at each scrape."""
        self.bot = bot
        shards: Iterable[int | None] = [None]
        if isinstance(bot, discord.AutoShardedClient):
            shards = bot.shard_ids or range(bot.shard_count or 0)
        for shard in shards:
            self.identifies.labels(shard_label(bot, shard))
            self.resumes.labels(shard_label(bot, shard))
        self._count_identifies(bot)

        async def on_interaction(interaction: discord.Interaction) -> None:
            shard = interaction.guild.shard_id if interaction.guild else None
            command = interaction.command
            name = (
                command.qualified_name
                if isinstance(command, app_commands.Command)
                else getattr(command, "name", None)
            )
            kind = interaction.type.name
            self.interactions.labels(shard_label(bot, shard), kind, str(name)).inc()

        async def on_command(context: commands.Context[Any]) -> None:
            shard = context.guild.shard_id if context.guild else None
            name = context.command.qualified_name if context.command else None
            self.commands.labels(shard_label(bot, shard), str(name)).inc()

        async def on_resumed() -> None:
            if not isinstance(bot, discord.AutoShardedClient):
                self.resumes.labels("None").inc()

        async def on_shard_resumed(shard_id: int) -> None:
            self.resumes.labels(shard_label(bot, shard_id)).inc()

        async def on_command_sync(result: str) -> None:
            self.syncs.labels(result).inc()

        async def on_session_start_limit(budget: guard.Budget) -> None:
            self.budget, self.identifies_since_budget = budget, 0

        async def on_malformed_gateway_event(event: str | None) -> None:
            self.malformed.labels(str(event)).inc()

        listeners: dict[str, Callable[..., Coroutine[Any, Any, None]]] = {
            "on_interaction": on_interaction,
            "on_command": on_command,
            "on_resumed": on_resumed,
            "on_shard_resumed": on_shard_resumed,
            f"on_{launch.COMMAND_SYNC}": on_command_sync,
            f"on_{guard.BUDGET_READ}": on_session_start_limit,
            f"on_{gateway.SKIPPED_EVENT}": on_malformed_gateway_event,
        }
        for name, listener in listeners.items():
            bot.add_listener(listener, name)
        logging.getLogger().addHandler(self.log_handler)

    def detach(self) -> None:
        logging.getLogger().removeHandler(self.log_handler)

    def _count_identifies(self, bot: discord.Client) -> None:
        """discord.py awaits this hook before every IDENTIFY (its public before_identify_hook
        is called from it, so an author's override of that still runs)."""
        hooks = bot._hooks
        before_identify = hooks["before_identify"]

        async def counted(shard_id: int | None, *, initial: bool = False) -> None:
            await before_identify(shard_id, initial=initial)
            self.identifies.labels(shard_label(bot, shard_id)).inc()
            self.identifies_since_budget += 1

        hooks["before_identify"] = counted

    def exposition(self) -> bytes:
        """The metrics in Prometheus' text format."""
        return generate_latest(self.registry)


class _LogCounter(logging.Handler):
    """logging_total{logger,level}, as discord-ext-prometheus's logging handler counts them."""

    def __init__(self, counter: Counter) -> None:
        super().__init__()
        self.counter = counter

    def emit(self, record: logging.LogRecord) -> None:
        self.counter.labels(record.name, record.levelname).inc()


class _LiveState(Collector):
    """Gauges read from the bot at scrape time: never stale, nothing to keep in step."""

    def __init__(self, metrics: BotMetrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterable[Metric]:
        bot = self.metrics.bot
        connected = GaugeMetricFamily(
            "discord_connected", "Determines if the bot is connected to Discord", labels=["shard"]
        )
        latency = GaugeMetricFamily(
            "discord_latency", "Latency to Discord", labels=["shard"], unit="seconds"
        )
        guilds = GaugeMetricFamily(
            "discord_stat_total_guilds", "Amount of guild this bot is a member of"
        )
        channels = GaugeMetricFamily(
            "discord_stat_total_channels", "Amount of channels this bot is has access to"
        )
        users = GaugeMetricFamily("discord_stat_total_users", "Amount of users this bot can see")
        total_commands = GaugeMetricFamily("discord_stat_total_commands", "Amount of commands")
        if bot is not None:
            for shard, is_connected, seconds in connections(bot):
                label = shard_label(bot, shard)
                connected.add_metric([label], 1.0 if is_connected else 0.0)
                if math.isfinite(seconds):
                    latency.add_metric([label], seconds)
            guilds.add_metric([], len(bot.guilds))
            channels.add_metric([], sum(len(guild.channels) for guild in bot.guilds))
            users.add_metric([], len(bot.users))
            if isinstance(bot, commands.Bot):
                count = len(list(bot.walk_commands())) + len(list(bot.tree.walk_commands()))
                total_commands.add_metric([], count)
        yield from (connected, latency, guilds, channels, users, total_commands)
        budget = self.metrics.budget
        if budget is not None:
            remaining = max(0, budget.remaining - self.metrics.identifies_since_budget)
            yield GaugeMetricFamily(
                "discord_session_start_remaining",
                "Session starts (IDENTIFY) left today: as read at start, minus those since",
                value=remaining,
            )
            yield GaugeMetricFamily(
                "discord_session_start_total",
                "Session starts (IDENTIFY) Discord allows this bot a day",
                value=budget.total,
            )


def connections(bot: discord.Client) -> list[tuple[int | None, bool, float]]:
    """(shard or None, connected, latency in s: inf until a heartbeat was answered) for each
    connection the bot runs, whether it is open yet or not."""
    if isinstance(bot, discord.AutoShardedClient):
        opened = bot.shards
        expected = bot.shard_ids or range(bot.shard_count or 0)
        states: list[tuple[int | None, bool, float]] = []
        for shard_id in expected:
            info = opened.get(shard_id)
            if info is None:
                states.append((shard_id, False, math.inf))
            else:
                states.append((shard_id, not info.is_closed(), info.latency))
        return states
    ws = bot.ws
    return [(None, ws is not None and ws.open, ws.latency if ws is not None else math.inf)]
