"""What `check` warns about: settings that work here but not everywhere, or cost more than seen.

None of these stops the bot; each warning says why it matters and what to do. Values are never
printed (the line might hold the token): only line numbers and names.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from .settings import Settings, read_env_file, shard_group

# discord.py's own default message cache, the yardstick for MAX_MESSAGES.
DISCORD_PY_MAX_MESSAGES = 1000
# A process opens its shards one after another, 5 s apart (discord.py's before_identify_hook
# for max_concurrency 1): from this many on, the last one connects minutes after the first.
SHARDS_PER_PROCESS = 16
# Discord's daily session starts for most bots (GET /gateway/bot says the bot's own).
DAILY_SESSION_STARTS = 1000
MANIFEST = Path("deploy/kubernetes.yaml")

_LINE = re.compile(r"^(?P<export>export\s+)?(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<space>\s*)=")


def warnings(settings: Settings, manifest: Path = MANIFEST) -> list[str]:
    """Every warning for these settings, their .env file and the Kubernetes manifest."""
    return [
        *env_file_warnings(settings.env_file),
        *resource_warnings(settings),
        *manifest_warnings(manifest),
    ]


def env_file_warnings(env_file: Path) -> Iterator[str]:
    """Lines that python-dotenv reads as meant but `docker run --env-file` passes verbatim."""
    text = read_env_file(env_file)
    for number, line in enumerate(text.splitlines(), start=1):
        match = _LINE.match(line.strip())
        if not match:
            continue
        name = match["name"]
        value = line.strip()[match.end() :].strip()
        where = f"{env_file} line {number} ({name})"
        if match["export"]:
            yield (
                f"{where} starts with `export`: `docker run --env-file` reads the name as "
                f"'export {name}' and refuses the file. Remove `export `."
            )
        if match["space"] or value != line.strip()[match.end() :]:
            yield (
                f"{where} has spaces around `=`: `docker run --env-file` keeps them in the "
                f"name or the value. Write {name}=value."
            )
        if value[:1] in ("'", '"'):
            yield (
                f"{where} is quoted: `docker run --env-file` keeps the quotes as part of the "
                "value (the bot here drops them). Remove the quotes."
            )
        elif re.search(r"\s#", value):
            yield (
                f"{where} ends with a # comment: `docker run --env-file` keeps it as part of "
                "the value. Put the comment on a line of its own."
            )


def resource_warnings(settings: Settings) -> Iterator[str]:
    """Settings whose cost grows with the bot: memory, start-up time, IDENTIFY budget, ports."""
    if settings.max_messages and settings.max_messages > 10 * DISCORD_PY_MAX_MESSAGES:
        yield (
            f"MAX_MESSAGES={settings.max_messages} keeps that many messages in memory, 1 to 2 KB "
            f"each, ten times discord.py's default ({DISCORD_PY_MAX_MESSAGES}) or more: give "
            "the bot the memory (the Kubernetes manifest limits it) or keep fewer."
        )
    count = settings.shard_count or 1
    own = len(settings.shard_ids) if settings.shard_ids is not None else count
    if own > SHARDS_PER_PROCESS:
        yield (
            f"This process opens {own} shards, 5 s apart: the last one connects about "
            f"{own * 5 // 60} min after the first, and one crash takes all of them down. Split "
            'them between processes (SHARD_GROUP_COUNT, README "Sharding").'
        )
    if count > DAILY_SESSION_STARTS // 4:
        yield (
            f"SHARD_COUNT={count}: each restart of every shard spends {count} of the "
            f"{DAILY_SESSION_STARTS} session starts (IDENTIFY) most bots get a day, so the bot "
            "refuses to start after a few. Bots that need this many get a larger budget: "
            "check `session_start_limit` in Discord's GET /gateway/bot for yours."
        )
    if settings.health_port is not None and settings.health_port < 1024:
        yield (
            f"HEALTH_PORT={settings.health_port} is below 1024: only root may listen there, and "
            "the container image runs the bot as a user. Use a port such as 8080."
        )


def manifest_warnings(manifest: Path) -> Iterator[str]:
    """A StatefulSet with fewer pods than SHARD_GROUP_COUNT leaves shards without a pod.

    Read from the manifest as this template writes it (`replicas:` and the SHARD_COUNT and
    SHARD_GROUP_COUNT values); a manifest rewritten in another shape is not checked.
    """
    try:
        text = manifest.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return
    replicas = re.search(r"^\s*replicas:\s*(\d+)\s*$", text, re.MULTILINE)
    counts = {
        name: int(found[1])
        for name in ("SHARD_COUNT", "SHARD_GROUP_COUNT")
        if (found := re.search(rf"-\s*name:\s*{name}\s*\n\s*value:\s*\"?(\d+)\"?", text))
    }
    if replicas is None or "SHARD_GROUP_COUNT" not in counts:
        return
    pods, groups = int(replicas[1]), counts["SHARD_GROUP_COUNT"]
    if pods < groups:
        shards = counts.get("SHARD_COUNT")
        unserved = (
            sorted({s for g in range(pods, groups) for s in shard_group(g, groups, shards)})
            if shards and groups <= shards
            else []
        )
        which = f" (shards {', '.join(map(str, unserved))})" if unserved else ""
        yield (
            f"{manifest} runs {_count(pods, 'pod')} but SHARD_GROUP_COUNT is {groups}: "
            f"{_span('shard group', pods, groups - 1)} no pod{which}, so the servers on them "
            f"see the bot offline. Set `replicas: {groups}`, or SHARD_GROUP_COUNT to {pods}."
        )
    elif pods > groups:
        yield (
            f"{manifest} runs {_count(pods, 'pod')} but SHARD_GROUP_COUNT is {groups}: "
            f"{_span('pod', groups, pods - 1)} no shard group and stop with a settings error. "
            f"Set `replicas: {groups}`, or SHARD_GROUP_COUNT to {pods}."
        )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _span(noun: str, first: int, last: int) -> str:
    """`pod 2 has` or `pods 2 to 4 have`."""
    if first == last:
        return f"{noun} {first} has"
    return f"{noun}s {first} to {last} have"
