"""Where the platforms meet the bot's health server: probes, ports, HEALTHCHECK, restart policy.

The paths come from the rendered bot's own runtime/health.py (the code that serves them) and
the ports from the settings each file gives it, so a renamed path or a moved port fails here
rather than in a cluster. Offline; the generated project's tests serve the endpoints for real.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from dotenv import dotenv_values
from support.render import stored_answers
from support.shipping import dockerfile_stages


@pytest.fixture(scope="module")
def project(rendered_project: Callable[[str], Path]) -> Path:
    return rendered_project("defaults")


@pytest.fixture(scope="module")
def health(project: Path) -> Iterator[ModuleType]:
    """The rendered bot's runtime/health.py, imported from its package, then forgotten; no
    bytecode is written into the shared render."""
    package = stored_answers(project)["package_name"]
    sys.path.insert(0, str(project / "src"))
    writes_bytecode, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        module = importlib.import_module(f"{package}.runtime.health")
        sys.dont_write_bytecode = writes_bytecode
        yield module
    finally:
        sys.dont_write_bytecode = writes_bytecode
        sys.path.remove(str(project / "src"))
        for name in [name for name in sys.modules if name.split(".")[0] == package]:
            del sys.modules[name]


def manifest(project: Path) -> dict[str, dict[str, Any]]:
    """The Kubernetes resources by kind."""
    text = (project / "deploy" / "kubernetes.yaml").read_text("utf-8")
    return {document["kind"]: document for document in yaml.safe_load_all(text) if document}


def pod(project: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The StatefulSet's pod template and its one container."""
    template = manifest(project)["StatefulSet"]["spec"]["template"]
    (container,) = template["spec"]["containers"]
    return template, container


def test_the_probes_ask_the_paths_and_port_the_bot_serves(
    project: Path, health: ModuleType
) -> None:
    template, container = pod(project)
    env = {variable["name"]: variable.get("value") for variable in container["env"]}
    (port,) = container["ports"]
    assert port["containerPort"] == int(env["HEALTH_PORT"])
    assert env["HEALTH_HOST"] == "0.0.0.0", "the kubelet probes the pod's address"
    probes = {kind: container[f"{kind}Probe"]["httpGet"] for kind in ("startup", "liveness")}
    readiness = container["readinessProbe"]["httpGet"]
    for probe in probes.values():
        assert (probe["path"], probe["port"]) == (health.PATHS["live"], port["name"])
    assert (readiness["path"], readiness["port"]) == (health.PATHS["ready"], port["name"])
    startup = container["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 300, "generous: 5 minutes"
    assert container["terminationMessagePolicy"] == "FallbackToLogsOnError"

    annotations = template["metadata"]["annotations"]
    assert annotations["prometheus.io/path"] == health.PATHS["metrics"]
    assert int(annotations["prometheus.io/port"]) == port["containerPort"]
    (service_port,) = manifest(project)["Service"]["spec"]["ports"]
    assert service_port["name"] == "metrics"
    assert service_port["targetPort"] == port["name"]


def test_the_image_checks_its_health_with_its_own_python(project: Path, health: ModuleType) -> None:
    """No curl in a slim image: the HEALTHCHECK runs the bot's probe module on /readyz, at the
    port the image's ENV gives the bot, which is the one the manifest probes."""
    runtime = dockerfile_stages(project / "Dockerfile")[-1]
    env = runtime.env()
    (check,) = runtime.named("HEALTHCHECK")
    command = json.loads(check.rest.removeprefix("CMD").strip())
    package = stored_answers(project)["package_name"]
    assert command == ["python", "-m", f"{package}.runtime.probe", health.PATHS["ready"]]
    assert (project / "src" / package / "runtime" / "probe.py").is_file()
    start_period = check.flags["start-period"][0]
    assert start_period.endswith("m") and int(start_period[:-1]) >= 2, "READY takes a while"
    assert env["HEALTH_HOST"] == "127.0.0.1", "inside the container only, unless published"
    _, container = pod(project)
    (port,) = container["ports"]
    assert int(env["HEALTH_PORT"]) == port["containerPort"]
    assert runtime.named("EXPOSE")[0].rest == env["HEALTH_PORT"]


def test_a_mistake_waits_instead_of_looping_through_restarts(project: Path) -> None:
    """Docker restarts whatever the exit status and StatefulSet pods always restart: compose and
    the manifest make a fatal mistake wait (ON_FATAL_ERROR=wait), with the restart policy left to
    crashes; the image alone (`docker run`, no restart policy) exits 2 as a command should."""
    env = dockerfile_stages(project / "Dockerfile")[-1].env()
    assert "ON_FATAL_ERROR" not in env
    (service,) = yaml.safe_load((project / "compose.yaml").read_text("utf-8"))["services"].values()
    assert service["restart"] == "unless-stopped"
    assert service["environment"]["ON_FATAL_ERROR"] == "wait"
    _, container = pod(project)
    variables = {variable["name"]: variable.get("value") for variable in container["env"]}
    assert variables["ON_FATAL_ERROR"] == "wait"


def test_the_env_files_never_blank_what_the_containers_set(project: Path) -> None:
    """`env_file: .env` and `docker run --env-file .env` pass every line, empty ones too, over
    the image's ENV: `HEALTH_PORT=` there would switch the health server (and so the
    HEALTHCHECK) off, `ON_FATAL_ERROR=exit` bring the restart loop back. They stay comments."""
    image = dockerfile_stages(project / "Dockerfile")[-1].env()
    for env_file in (".env", ".env.example"):
        values = dotenv_values(project / env_file)
        for name in ("HEALTH_PORT", "HEALTH_HOST", "ON_FATAL_ERROR"):
            assert name not in values, f"{env_file} sets {name}"
        if env_file == ".env.example":
            text = (project / env_file).read_text("utf-8")
            for name in ("HEALTH_PORT", "HEALTH_HOST"):
                assert f"# {name}={image[name]}" in text, f"{env_file} shows the image's {name}"
