"""The warm starter (tests/support/warm_start.py): a fork is the process a fresh start would be.

Most bot processes of this suite are forks of one process that imported discord.py once; these
tests check that such a child is still a process of its own, with only what the test gave it.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from ..support.harness import warm_start
from ..support.warm_start import supported, wanted

needs_the_starter = pytest.mark.skipif(
    not wanted(os.environ), reason="bot processes start fresh here (not Linux, or WARM_START=0)"
)

REPORT = """
import json, os, sys
print(json.dumps({
    "pid": os.getpid(),
    "session": os.getsid(0),
    "cwd": os.getcwd(),
    "environment": dict(os.environ),
    "argv": sys.argv,
    "path0": sys.path[0],
    "discord_imported": "discord" in sys.modules,
}), flush=True)
if sys.argv[1:] == ["wait"]:
    import signal
    signal.pause()  # until a signal ends it
sys.exit(3)
"""


@pytest.fixture
def report_script(tmp_path: Path) -> str:
    script = tmp_path / "report.py"
    script.write_text(REPORT, encoding="utf-8")
    return str(script)


@needs_the_starter
def test_a_fork_has_its_own_session_folder_environment_and_exit_status(
    report_script: str, tmp_path: Path
) -> None:
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    environment = {**os.environ, "ONLY_THIS_CHILD": "yes"}
    environment.pop("HOME", None)
    child = warm_start(["one", "two"], environment=environment, cwd=folder, script=report_script)
    assert child is not None, "the session's warm starter is not running"
    assert child.wait(30) == 3
    facts = json.loads(child.stdout.read())
    child.stdout.close()
    assert facts["pid"] == child.pid != os.getpid()
    assert facts["session"] == child.pid  # its own session, as start_new_session=True
    assert facts["cwd"] == str(folder)
    assert facts["environment"] == environment  # exactly: nothing of the starter's own
    assert facts["argv"] == [report_script, "one", "two"]
    assert facts["path0"] == str(tmp_path)  # as `python SCRIPT`: the script's folder first
    assert facts["discord_imported"]  # what made it start in milliseconds


@needs_the_starter
def test_signals_reach_the_fork_and_its_death_is_reported_as_popen_would(
    report_script: str,
) -> None:
    child = warm_start(["wait"], environment=dict(os.environ), cwd=None, script=report_script)
    assert child is not None, "the session's warm starter is not running"
    assert child.stdout.readline()  # its report: it runs
    assert child.poll() is None
    child.send_signal(signal.SIGTERM)
    assert child.wait(30) == -signal.SIGTERM
    child.send_signal(signal.SIGTERM)  # after the end: nothing happens, as with Popen
    child.stdout.close()


@needs_the_starter
def test_a_start_that_changes_how_python_starts_is_left_to_a_fresh_process(
    report_script: str,
) -> None:
    for change in ({"PYTHONPATH": "/somewhere"}, {"PYTHONPROFILEIMPORTTIME": "1"}):
        environment = {**os.environ, **change}
        assert warm_start([], environment=environment, cwd=None, script=report_script) is None


def test_warm_start_0_turns_it_off() -> None:
    assert wanted({}) == supported() == wanted({"WARM_START": "1"})
    assert not wanted({"WARM_START": "0"})
