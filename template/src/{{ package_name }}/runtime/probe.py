"""The container's HEALTHCHECK: `python -m <package>.runtime.probe [PATH]` asks the running bot.

It requests PATH (default /readyz) from the bot's own health server, at HEALTH_HOST and
HEALTH_PORT as the bot reads them, and exits 0 for a 200 answer, 1 otherwise, printing the
answer (Docker keeps it: `docker inspect --format '{{json .State.Health}}' CONTAINER`). Only the
standard library: the image has no curl, and this starts in milliseconds, without discord.py.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence

TIMEOUT = 5.0


def url_for(path: str, environ: dict[str, str] | os._Environ[str] = os.environ) -> str | None:
    """The URL of `path` on the bot's health server; None when HEALTH_PORT is not set."""
    port = environ.get("HEALTH_PORT", "").strip()
    if not port:
        return None
    host = environ.get("HEALTH_HOST", "").strip() or "127.0.0.1"
    host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)  # all interfaces: ask loopback
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}{path}"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    url = url_for(args[0] if args else "/readyz")
    if url is None:
        print("HEALTH_PORT is not set, so the bot serves no health endpoint.", file=sys.stderr)
        return 1
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            print(response.read().decode("utf-8", "replace"))
            return 0
    except urllib.error.HTTPError as error:
        print(f"{error.code}: {error.read().decode('utf-8', 'replace')}")
    except OSError as error:
        print(f"{url}: {error}")
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
