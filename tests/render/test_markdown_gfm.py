"""Answers in the README read on GitHub exactly as typed: checked with a GFM renderer.

markdown-it-py's "gfm-like" preset (tables, strikethrough, and linkify: GitHub's autolinks of
bare web addresses) stands in for GitHub. hooks/text.jinja's markdown() escapes Markdown
punctuation; inside a web address GitHub keeps those backslashes, so addresses become autolinks.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt
from support.render import copy_project
from support.template import APPLICATION_ID, hooks_module

GFM = MarkdownIt("gfm-like")
TEXTS = [
    "See https://example.org/my_page-1 (docs), then https://a.example/c?d=1&e=2.",
    "Forecasts for *every* city_name, # not a heading, 1. not a list, <b>not HTML</b>",
    "Pipes | and ~~tildes~~ and `ticks` and [brackets](x) and https://x.example/a_b_c",
]
URL = re.compile(r"https?://[^\s<>`]*[^\s<>`.,:;!?)'\"*_~]")


def visible_text(rendered: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", rendered)).strip()


@pytest.mark.parametrize("text", TEXTS)
def test_markdown_reads_as_typed_on_github(text: str) -> None:
    rendered = GFM.render(str(hooks_module("text").markdown(text)))
    assert visible_text(rendered) == text
    links = re.findall(r'<a href="([^"]+)"', rendered)
    assert [html.unescape(link) for link in links] == URL.findall(text)


def test_readme_description_reads_as_typed_on_github(template_folder: Path, tmp_path: Path) -> None:
    answers: dict[str, Any] = {
        "app_name": "Weather Bot",
        "application_id": APPLICATION_ID,
        "description": "\n".join(TEXTS),
    }
    project = copy_project(tmp_path / "weather-bot", answers, template=template_folder)
    readme = (project / "README.md").read_text(encoding="utf-8")
    rendered = GFM.render(readme)
    paragraph = rendered.split("</h1>", 1)[1].split("</p>", 1)[0]
    assert visible_text(paragraph) == "\n".join(TEXTS)
    assert "\\" not in visible_text(paragraph)
