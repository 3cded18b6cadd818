"""Discord's daily budget of session starts (IDENTIFY): read before connecting, never spent out.

Discord allows a bot `total` IDENTIFYs (1000 for most bots) per 24 hours; past that it ends
every session and resets the token. A crash loop gets there: Docker's restart backoff stops
growing at one minute and Kubernetes' at five, so a pod of four shards that fails right after
connecting would spend about 4 x 288 = 1152 a day. Neither knows about the budget, but Discord
tells every start how much is left (`GET /gateway/bot`, `session_start_limit`), so the bot
itself keeps the day under budget, on any platform:

- it refuses to connect when fewer than its shards plus a reserve are left (BudgetSpent, exit
  status 75), saying how many remain and when they come back;
- once a quarter of the day's budget is spent, each start first waits, long enough that the
  whole bot spends at most another quarter in 24 hours: a bot that fails right after every
  start, restarted at once all day, spends at most half of its budget.

The reserve is the bot's whole shard count (SHARD_COUNT, or 1): every process of the bot may read
the same `remaining` at the same moment (a rolling restart, a host reboot), and each keeps back
a session start for every shard of the fleet, so together they can never spend the last ones.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import discord

from . import explain
from .settings import Settings

log = logging.getLogger(__name__)

BUDGET_READ = "session_start_limit"  # dispatched as on_session_start_limit(budget)
PACE_AFTER = 0.25  # of the day's total spent: from here on, starts are paced...
PACED_SHARE = 0.25  # ...so that at most this much more of it is spent in a day
DAY = 24 * 3600.0  # Discord's window for the budget


@dataclass(frozen=True, slots=True)
class Budget:
    """Discord's `session_start_limit`, with `reset_after` in seconds."""

    total: int
    remaining: int
    reset_after: float
    max_concurrency: int
    recommended_shards: int | None = None

    @classmethod
    def from_gateway(cls, shards: int | None, limit: dict[str, Any]) -> Budget:
        return cls(
            total=int(limit["total"]),
            remaining=int(limit["remaining"]),
            reset_after=float(limit["reset_after"]) / 1000,
            max_concurrency=int(limit.get("max_concurrency", 1)),
            recommended_shards=shards,
        )


@dataclass(frozen=True, slots=True)
class Decision:
    """Connect now (wait 0), after `wait` seconds, or not at all (`refused` says why)."""

    wait: float = 0.0
    refused: str | None = None


def shards_to_start(settings: Settings) -> tuple[int, int]:
    """(IDENTIFYs this process needs now, shards of the whole bot)."""
    fleet = settings.shard_count or 1
    own = len(settings.shard_ids) if settings.shard_ids is not None else fleet
    return own, fleet


def decide(budget: Budget, needed: int, fleet: int) -> Decision:
    """Whether a start that IDENTIFYs `needed` shards of a `fleet`-shard bot may connect."""
    reserve = fleet
    if budget.remaining < needed + reserve:
        return Decision(
            refused=explain.identify_budget_spent(
                remaining=budget.remaining,
                total=budget.total,
                needed=needed,
                reserve=reserve,
                reset_after=budget.reset_after,
            )
        )
    if budget.total - budget.remaining <= budget.total * PACE_AFTER:
        return Decision()
    # Every process waits this long before each start: together they start each of the bot's
    # `fleet` shards at most DAY / wait times a day, PACED_SHARE of the total. After the reset
    # the budget is whole again, so never longer than that.
    wait = DAY * fleet / (budget.total * PACED_SHARE)
    return Decision(wait=min(budget.reset_after, wait))


async def read_budget(bot: discord.Client) -> Budget:
    """`GET /gateway/bot`: the shards Discord recommends and the session start limit."""
    shards, _, limit = await bot.http.get_bot_gateway()
    return Budget.from_gateway(shards, dict(limit))


async def before_connect(
    bot: discord.Client, settings: Settings, on_wait: Callable[[str], None] | None = None
) -> Budget:
    """Check the budget, wait if starts must be paced; raise BudgetSpent rather than spend it.

    `on_wait(message)` hears why the start waits (the health server shows it in /readyz).
    """
    needed, fleet = shards_to_start(settings)
    budget = await read_budget(bot)
    left = (
        "all left"
        if budget.remaining >= budget.total
        else f"{budget.remaining} left, all back in {explain.duration(budget.reset_after)}"
    )
    log.info(
        "Discord allows %d session starts (IDENTIFY) a day: %s; this start needs %d.",
        budget.total,
        left,
        needed,
    )
    decision = decide(budget, needed, fleet)
    if decision.wait and decision.refused is None:
        message = (
            f"More than a quarter of today's session starts are spent ({budget.remaining} of "
            f"{budget.total} left): this start waits {explain.duration(decision.wait)} before "
            "connecting, so that restarts cannot spend the rest. Something restarts the bot "
            "too often: the log before this line says what."
        )
        log.warning(message)
        if on_wait is not None:
            on_wait(message)
        await asyncio.sleep(decision.wait)
        budget = await read_budget(bot)
        decision = decide(budget, needed, fleet)
        decision = Decision(refused=decision.refused)  # paced once: connect now unless refused
    bot.dispatch(BUDGET_READ, budget)
    if decision.refused is not None:
        raise explain.BudgetSpent(decision.refused, budget.reset_after)
    return budget
