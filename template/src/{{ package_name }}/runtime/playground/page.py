"""The page's server: what the channel shows, and the API the page (and the tests) talk to.

    GET  /                  the page (static/index.html); /static/... its CSS and JavaScript
    GET  /api/state         all the page shows: the bot, its synced commands, the messages, the
                            gateway and REST traffic ("feed") and the problems the bot logged
    WS   /api/live          the same, live: {"kind": "state"} first, then one frame per change
    POST /api/messages      {"content": "hi", "as": "owner" | "member"}: a member's message
    POST /api/interactions  {"kind": "command", "name": "ping", "options": {...}, "as": ...}
                            {"kind": "component", "message_id": "...", "custom_id": "...",
                             "values": [...]}
                            {"kind": "modal", "opened_by": "<interaction id>", "values": {...}}

An interaction answers once the bot has answered Discord: {"ok": true, "interaction_id": ...,
"response": <the bot's callback>, "messages": [<the messages it posted or edited so far>]}, or
{"ok": false, "error": ...}, where the error is what the Discord client would say ("The
application did not respond").
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time
import traceback
from collections import deque
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web

from ... import app
from ..fake_discord import MESSAGE_CONTENT, FakeDiscord, Json, user_payload

STATIC = Path(__file__).resolve().parent / "static"
# Someone in the server without any moderator permission; the owner is the fake's tester.
MEMBER = user_payload(1_333_333_333_333_333_333, "member")
FEED_LENGTH = 300  # gateway events and REST calls kept for a page that opens later
PROBLEM_LENGTH = 50
# Discord's own limit for a message's content.
MAX_CONTENT = 2000
NO_RESPONSE = "The application did not respond"


class Page:
    """The playground's page: a view of the fake Discord's one channel, and its controls."""

    def __init__(self, fake: FakeDiscord, *, reloading: bool = False) -> None:
        self.fake = fake
        self.reloading = reloading
        self.users = {"owner": fake.tester, "member": MEMBER}
        fake.known_users[int(MEMBER["id"])] = MEMBER
        self.messages: dict[str, Json] = {}  # by id, in the order they were posted
        self.feed: deque[Json] = deque(maxlen=FEED_LENGTH)
        self.problems: deque[Json] = deque(maxlen=PROBLEM_LENGTH)
        self._commands_used: dict[str, str] = {}  # interaction id -> "/name sub"
        self._answers: dict[str, list[str]] = {}  # interaction id -> ids of its messages
        self._clients: set[asyncio.Queue[str]] = set()
        self._sockets: set[web.WebSocketResponse] = set()
        self._numbers = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.url = ""
        fake.add_listener(self._on_fake)

    # -- serving ------------------------------------------------------------------

    async def start(self, port: int) -> None:
        application = web.Application()
        application.router.add_get("/", self._index)
        application.router.add_static("/static/", STATIC)
        application.router.add_get("/api/state", self._state)
        application.router.add_get("/api/live", self._live)
        application.router.add_post("/api/messages", self._post_message)
        application.router.add_post("/api/interactions", self._post_interaction)
        application.on_response_prepare.append(_no_caching)
        self._runner = web.AppRunner(application, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, "127.0.0.1", port).start()
        except OSError:
            await self._runner.cleanup()
            raise
        host, bound = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{bound}/"

    async def stop(self) -> None:
        for socket in list(self._sockets):
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def state(self) -> Json:
        """Everything the page shows, as one JSON object."""
        guild = self.fake.guild_ids[0]
        identify = self.fake.identifies[-1] if self.fake.identifies else None
        intents = identify.intents if identify else 0
        return {
            "app_name": app.NAME,
            "package": app.PACKAGE,
            "prefix": app.COMMAND_PREFIX,
            "bot": self.fake.bot_user,
            "users": self.users,
            "guild": {"id": str(guild), "name": "Playground"},
            "channel": {"id": str(self.fake.channel_id(guild)), "name": "general"},
            "message_content": bool(intents & MESSAGE_CONTENT),
            "commands": self.commands(),
            "messages": list(self.messages.values()),
            "feed": list(self.feed),
            "problems": list(self.problems),
            "reloading": self.reloading,
        }

    def commands(self) -> list[Json]:
        """What the bot synced to the playground's server, and globally, as Discord stores it."""
        guild = self.fake.guild_ids[0]
        return [*self.fake.guild_commands.get(guild, []), *self.fake.global_commands]

    # -- what the page is told --------------------------------------------------------

    def _on_fake(self, kind: str, data: Json) -> None:
        if kind in ("message_create", "message_update"):
            shown = {**self.messages.get(data["id"], {}), **data}
            metadata = shown.get("interaction_metadata") or {}
            if metadata.get("id") in self._commands_used:
                shown["command"] = self._commands_used[metadata["id"]]
            if kind == "message_create" and metadata.get("id"):
                self._answers.setdefault(metadata["id"], []).append(data["id"])
            self.messages[data["id"]] = shown
            self._broadcast({"kind": kind, "message": shown})
        elif kind == "message_delete":
            self.messages.pop(data["id"], None)
            self._broadcast({"kind": kind, **data})
        elif kind == "modal":
            self._broadcast({"kind": "modal", "modal": data})
        elif kind == "commands":
            self._broadcast({"kind": "commands", "commands": self.commands()})
        else:  # rest, dispatch, frame: the developer panel's feed
            if kind == "dispatch" and data["t"] == "INTERACTION_CREATE":
                self._remember_command(data["d"])
            entry = {"number": next(self._numbers), "time": time.time(), "kind": kind, **data}
            self.feed.append(entry)
            self._broadcast({"kind": "feed", "entry": entry})

    def _remember_command(self, interaction: Json) -> None:
        """'/name sub' of a slash command interaction, for the "used /name" line of its reply."""
        if interaction.get("type") != 2:
            return
        data, words = interaction["data"], [interaction["data"]["name"]]
        options = data.get("options") or []
        while options and options[0].get("type") in (1, 2):  # subcommand (group)
            words.append(options[0]["name"])
            options = options[0].get("options") or []
        self._commands_used[interaction["id"]] = "/" + " ".join(words)

    def report(self, level: str, message: str, details: str = "", source: str = "") -> None:
        """Show a problem in the developer panel (the bot's errors, a failed reload, ...)."""
        problem = {
            "number": next(self._numbers),
            "time": time.time(),
            "level": level,
            "source": source,
            "message": message,
            "details": details,
        }
        self.problems.append(problem)
        self._broadcast({"kind": "problem", "problem": problem})

    def announce(self, kind: str, **data: Any) -> None:
        """Tell every open page something that is not the fake's (e.g. a reload)."""
        self._broadcast({"kind": kind, **data})

    def log_handler(self) -> logging.Handler:
        """A logging handler that shows the bot's warnings and errors in the page."""
        return _PageLogHandler(self, asyncio.get_running_loop())

    def _broadcast(self, frame: Json) -> None:
        text = json.dumps(frame, default=str)
        for client in self._clients:
            client.put_nowait(text)

    # -- HTTP and websocket -----------------------------------------------------------

    async def _index(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(STATIC / "index.html")

    async def _state(self, request: web.Request) -> web.Response:
        return web.json_response(self.state())

    async def _live(self, request: web.Request) -> web.StreamResponse:
        if not _same_origin(request):
            raise web.HTTPForbidden(text="the playground's page only")
        socket = web.WebSocketResponse(heartbeat=20)
        await socket.prepare(request)
        queue: asyncio.Queue[str] = asyncio.Queue()
        self._clients.add(queue)  # before the state: a change in between comes twice, never lost
        self._sockets.add(socket)
        sender = asyncio.create_task(_send_all(queue, socket))
        try:
            await socket.send_json({"kind": "state", "state": self.state()})
            async for message in socket:  # the page only listens; this waits for it to go
                if message.type is WSMsgType.ERROR:
                    break
        finally:
            self._clients.discard(queue)
            self._sockets.discard(socket)
            sender.cancel()
        return socket

    async def _post_message(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        content = body.get("content")
        if not isinstance(content, str) or not content.strip():
            return _refused("Type a message first.")
        if len(content) > MAX_CONTENT:
            return _refused(f"Discord allows {MAX_CONTENT} characters in a message.")
        try:
            message = await self.fake.dispatch_message(content, user=self._user(body))
        except AssertionError as error:  # no gateway session: the bot is not connected
            return _refused(str(error))
        return web.json_response({"ok": True, "message": message})

    async def _post_interaction(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        user = self._user(body)
        try:
            if body.get("kind") == "command":
                answer = await self._command(body, user)
            elif body.get("kind") == "component":
                answer = await self.fake.send_component_interaction(
                    str(body.get("message_id")),
                    str(body.get("custom_id")),
                    values=[str(value) for value in body.get("values") or []],
                    user=user,
                )
            elif body.get("kind") == "modal":
                values = body.get("values") or {}
                if not isinstance(values, dict):
                    return _refused("values: an object of field custom_id -> value")
                answer = await self.fake.send_modal_submit(
                    int(body.get("opened_by") or 0), values, user=user
                )
            else:
                return _refused('kind: "command", "component" or "modal"')
        except TimeoutError as error:
            self.report("warning", f"{NO_RESPONSE} within 3 seconds.", str(error), "playground")
            return web.json_response({"ok": False, "error": NO_RESPONSE}, status=504)
        except (LookupError, ValueError, AssertionError) as error:
            return _refused(str(error))
        interaction_id = next(
            (str(key) for key, value in self.fake.interaction_responses.items() if value is answer),
            "",
        )
        return web.json_response(
            {
                "ok": True,
                "interaction_id": interaction_id,
                "response": answer,
                "messages": self._messages_of(interaction_id, answer),
            }
        )

    def _messages_of(self, interaction_id: str, answer: Json) -> list[Json]:
        """What an interaction's answer shows: its new messages, or the message it edited."""
        ids = list(self._answers.get(interaction_id, []))
        if answer.get("type") == 7:  # UPDATE_MESSAGE: the component's own message
            shown = self.fake.interactions[int(interaction_id)].get("message") or {}
            ids.append(str(shown.get("id")))
        return [self.messages[message_id] for message_id in ids if message_id in self.messages]

    async def _command(self, body: Json, user: Json) -> Json:
        name = " ".join(str(body.get("name") or "").lstrip("/").split())
        if not any(
            path == name for command in self.commands() for path, _ in _command_paths(command)
        ):
            raise LookupError(f"/{name} is not one of the commands the bot synced")
        options = body.get("options") or {}
        if not isinstance(options, dict):
            raise ValueError("options: an object of option name -> value")
        return await self.fake.send_slash_command(name, options or None, user=user)

    def _user(self, body: Json) -> Json:
        return self.users.get(str(body.get("as") or "owner"), self.fake.tester)


def _command_paths(command: Json) -> list[tuple[str, Json]]:
    """Every invocable name of a command: "name", or "name sub" and "name group sub"."""
    if command.get("type", 1) != 1:
        return []
    options = command.get("options") or []
    if not any(option.get("type") in (1, 2) for option in options):
        return [(command["name"], command)]
    paths = []
    for option in options:
        for path, leaf in _command_paths({**option, "type": 1}):
            paths.append((f"{command['name']} {path}", leaf))
    return paths


class _PageLogHandler(logging.Handler):
    """WARNING and above, with their tracebacks, from whatever thread logs them."""

    def __init__(self, page: Page, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(logging.WARNING)
        self._page, self._loop = page, loop

    def emit(self, record: logging.LogRecord) -> None:
        try:
            details = ""
            if record.exc_info and record.exc_info[1] is not None:
                details = "".join(traceback.format_exception(record.exc_info[1]))
            report = (record.levelname.lower(), record.getMessage(), details, record.name)
            self._loop.call_soon_threadsafe(self._page.report, *report)
        except Exception:  # a log line must never break the bot
            self.handleError(record)


async def _send_all(queue: asyncio.Queue[str], socket: web.WebSocketResponse) -> None:
    while True:
        text = await queue.get()
        if socket.closed:
            return
        await socket.send_str(text)


async def _json_body(request: web.Request) -> Json:
    """The request's JSON object; JSON only, so another site's form cannot post here."""
    if request.content_type != "application/json":
        raise web.HTTPUnsupportedMediaType(text="send JSON (Content-Type: application/json)")
    try:
        body = await request.json()
    except ValueError as error:
        raise web.HTTPBadRequest(text=f"not JSON: {error}") from error
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="send a JSON object")
    return body


def _refused(error: str) -> web.Response:
    return web.json_response({"ok": False, "error": error}, status=400)


def _same_origin(request: web.Request) -> bool:
    origin = request.headers.get("Origin")
    return origin is None or origin == f"{request.scheme}://{request.host}"


async def _no_caching(request: web.Request, response: web.StreamResponse) -> None:
    """Edited files show on reload; nothing here is worth caching."""
    response.headers["Cache-Control"] = "no-store"
