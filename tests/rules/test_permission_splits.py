"""hooks/permission_splits.jinja names real permissions, and app.py renders it with discord.py's
attribute names."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import discord
import pytest
from support.template import hooks_module


@pytest.fixture(scope="module")
def splits() -> Any:
    return hooks_module("permission_splits")


def test_each_split_names_two_distinct_permissions_of_the_table(
    splits: Any, permissions_hooks: Any
) -> None:
    known = {entry["name"]: entry for entry in permissions_hooks.PERMISSIONS}
    assert len(splits.PERMISSION_SPLITS) == 3
    for split in splits.PERMISSION_SPLITS:
        assert split["old"] in known and split["new"] in known, split
        assert split["old"] != split["new"]
        assert split["right"].strip() == split["right"] and split["right"], split
    # The new flags are the ones Discord's change log names (discord.py knows each).
    new = {known[split["new"]]["dpy"] for split in splits.PERMISSION_SPLITS}
    assert new == {"pin_messages", "create_expressions", "create_events"}
    assert all(name in discord.Permissions.VALID_FLAGS for name in new)


def test_app_py_renders_the_splits_with_discord_py_names(
    splits: Any, permissions_hooks: Any, copie: Any, template_folder: Path
) -> None:
    result = copie.copy(extra_answers={"app_name": "Split Bot"}, template_dir=template_folder)
    assert result.exit_code == 0, result.exception
    app = Path(result.project_dir) / "src" / "split_bot" / "app.py"
    tree = ast.parse(app.read_text(encoding="utf-8"))
    (rendered,) = (
        ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "PERMISSION_SPLITS" for t in node.targets)
    )
    dpy = {entry["name"]: entry["dpy"] for entry in permissions_hooks.PERMISSIONS}
    assert rendered == {
        split["old"]: (dpy[split["old"]], split["new"], dpy[split["new"]], split["right"])
        for split in splits.PERMISSION_SPLITS
    }
    for old_flag, _, new_flag, _ in rendered.values():
        assert getattr(discord.Permissions(**{old_flag: True}), old_flag)
        assert not getattr(discord.Permissions(**{old_flag: True}), new_flag), "a flag of its own"
