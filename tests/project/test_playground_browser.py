"""The playground in a real browser: Debian's Chromium, driven by Playwright, as an author uses it.

The default answers are rendered once; `<package> playground` runs with the generated tests'
widgets cog beside cogs/ (a button and a modal, whatever the author's cogs have). The page must
answer /ping typed in its "Message" box, send a button click and a modal, and not be blank.

UPDATE_SCREENSHOT=1 also writes the screenshot to template/docs/playground.png, the picture the
generated README shows:
`UPDATE_SCREENSHOT=1 uv run pytest tests/project/test_playground_browser.py`.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import copier
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from support.answer_sets import answers
from support.png import read_png
from support.project import uv
from support.template import TEMPLATE_ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")  # Debian's chromium package; .ci/run installs it
# --no-sandbox: CI runs as root. The others keep Chromium off the network, which this machine
# does not have: without them it keeps trying Google's services at start.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOT = TEMPLATE_ROOT / "template" / "docs" / "playground.png"
VIEWPORT = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: CI must install Debian's chromium (.ci/run)")
        pytest.skip(f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def project(
    browser: Browser, template_folder: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    destination = tmp_path_factory.mktemp("browser") / "mybot"
    copier.run_copy(
        str(template_folder), destination, data=answers("defaults"), defaults=True, quiet=True
    )
    uv("sync", "--quiet", cwd=destination)
    return destination


@pytest.fixture(scope="module")
def playground(project: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The page's address, from the one line `playground` prints; stopped with Ctrl+C after."""
    cogs = tmp_path_factory.mktemp("test-cogs")
    shutil.copy(project / "tests" / "support" / "playground_cogs" / "widgets.py", cogs)
    environment = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "DISCORD_TOKEN"}}
    python = str(project / ".venv" / "bin" / "python")
    entry = [str(project / "tests" / "support" / "playground_entry.py"), str(cogs)]
    process = subprocess.Popen(
        [python, *entry, "--no-browser", "--port", "0"],
        cwd=project,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    log: list[str] = []
    reader = threading.Thread(target=lambda: log.extend(process.stderr or []), daemon=True)
    reader.start()
    assert process.stdout is not None
    line = process.stdout.readline()
    try:
        assert line.startswith("Playground: http://127.0.0.1:"), line + "".join(log)
        yield line.removeprefix("Playground: ").strip()
        process.send_signal(signal.SIGINT)
        assert process.wait(15) == 0, "".join(log)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(15)
        reader.join(15)
        process.stdout.close()
        if process.stderr is not None:
            process.stderr.close()


@pytest.fixture
def page(browser: Browser, playground: str) -> Iterator[Page]:
    opened = browser.new_page(viewport=VIEWPORT)
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.goto(playground)
    expect(opened.get_by_role("status")).to_have_text("Connected")
    yield opened
    opened.close()
    assert errors == [], errors  # no JavaScript error on the way


def send(page: Page, text: str) -> None:
    """Type into the "Message" box as a person does, then Enter."""
    box = page.get_by_role("textbox", name="Message", exact=True)
    box.press_sequentially(text)
    box.press("Enter")


def test_the_page_looks_like_a_channel_not_a_blank_page(page: Page) -> None:
    """First, so that the screenshot shows the author's own commands only."""
    send(page, "/ping")
    send(page, "/about")
    send(page, "/say text:Hello from the playground!")
    said = page.get_by_role("article").filter(has_text="Hello from the playground!")
    expect(said).to_be_visible()
    expect(page.get_by_role("article")).to_have_count(3)
    page.get_by_role("textbox", name="Message", exact=True).blur()
    shot = page.screenshot()
    image = read_png(shot)
    assert (image.width, image.height) == (VIEWPORT["width"], VIEWPORT["height"])
    mean, variance, colours = image.luminance_stats()
    assert variance > 100, f"a nearly uniform page (mean {mean:.0f}, variance {variance:.0f})"
    assert colours > 100, f"only {colours} colours: text and controls are missing"
    if os.environ.get("UPDATE_SCREENSHOT"):
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        SCREENSHOT.write_bytes(shot)


def test_ping_typed_in_the_message_box_answers_in_an_article(page: Page) -> None:
    box = page.get_by_role("textbox", name="Message", exact=True)
    box.press_sequentially("/")
    menu = page.get_by_role("listbox", name="Commands")
    expect(menu).to_contain_text("/ping")
    expect(menu).to_contain_text("Check that the bot is alive")  # its synced description
    box.press_sequentially("ping")
    box.press("Enter")
    reply = page.get_by_role("article").filter(has_text="Pong!").last
    expect(reply).to_contain_text("used /ping")
    expect(reply).to_contain_text("Only you can see this")


def test_a_button_of_a_reply_sends_a_component_interaction(page: Page) -> None:
    send(page, "/counter")
    reply = page.get_by_role("article").filter(has_text="Count: 0").last
    reply.get_by_role("button", name="Add one").click()
    expect(page.get_by_role("article").filter(has_text="Count: 1")).to_be_visible()


def test_a_modal_opens_as_a_dialog_and_submits(page: Page) -> None:
    send(page, "/survey")
    dialog = page.get_by_role("dialog", name="Survey")
    expect(dialog).to_be_visible()
    dialog.get_by_label("What do you think?").fill("Lovely")
    dialog.get_by_role("button", name="Make a selection").click()
    dialog.get_by_role("option", name="Happy").click()
    dialog.get_by_role("button", name="Submit").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("article").filter(has_text="Thanks! Lovely (Happy)")).to_be_visible()
