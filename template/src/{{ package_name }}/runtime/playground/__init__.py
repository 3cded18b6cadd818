"""`<package> playground`: your unmodified bot in a Discord-like page on 127.0.0.1, offline.

session.py  starts the fake Discord (../fake_discord.py) and the bot as `run` does, then the page
page.py     the page's server: its HTTP and websocket API, what the channel shows
reload.py   --reload: a changed cog is reloaded and its commands synced again
static/     the page itself: plain HTML, CSS and JavaScript, no build step and no network

Only the `playground` verb imports this package (and with it the fake Discord); `run` never does.
"""

from .session import serve

__all__ = ["serve"]
