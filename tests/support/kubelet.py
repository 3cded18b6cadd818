"""A StatefulSet's pods played on Docker the way a kubelet runs them.

No Kubernetes API server can run on these machines (none is packaged for the registries they
reach, and no image can be pulled), so this is not API-server validation: test_shipping.py checks
the manifest against the Kubernetes schemas. Here the pod template becomes `docker run`
options, field by field, as a kubelet would apply it: env values, `secretKeyRef` from a Secret,
the downward API's pod-index label, the pod's and container's securityContext, resource
limits, emptyDir volumes and the termination grace period. A field this player does not know
stops the test with its name, so a new field in the manifest is never silently left out.

Not played: scheduling (requests, affinity), the headless Service's DNS, minReadySeconds and
rolling updates, which only an API server and a controller do. Pods share the host's network
here (the fake Discord is on its loopback), where Kubernetes gives each pod its own.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"
POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
# kubelet gives an emptyDir folder these permissions: any user of the pod may write to it.
EMPTY_DIR_MODE = 0o777
_QUANTITY = re.compile(r"(\d+)(Ki|Mi|Gi|Ti|k|M|G|T)?")
_UNITS = {None: 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}
_UNITS |= {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


class NotPlayed(AssertionError):
    """The manifest uses something this player does not do: teach it, do not drop it."""


def refuse(where: str, what: object) -> NotPlayed:
    return NotPlayed(f"{where}: {what!r} is not played on Docker yet; teach support/kubelet.py")


def only(where: str, spec: Mapping[str, Any], known: set[str]) -> None:
    if unknown := sorted(set(spec) - known):
        raise refuse(where, unknown)


def resources(manifest: Path) -> list[dict[str, Any]]:
    text = manifest.read_text("utf-8")
    return [document for document in yaml.safe_load_all(text) if document]


def statefulset(manifest: Path) -> dict[str, Any]:
    (found,) = [item for item in resources(manifest) if item["kind"] == "StatefulSet"]
    return found


def secret_from_env_file(path: Path) -> dict[str, str]:
    """`kubectl create secret generic NAME --from-env-file=PATH`: one key per KEY=VALUE line,
    the value as written (no quotes removed); blank lines and # comments skipped."""
    data: dict[str, str] = {}
    for line in path.read_text("utf-8").splitlines():
        stripped = line.lstrip()
        if not stripped or stripped.startswith("#"):
            continue
        key, equals, value = stripped.partition("=")
        assert equals, f"{path.name}: {line!r} is not KEY=VALUE"
        data[key] = value
    return data


def memory_bytes(quantity: str) -> int:
    match = _QUANTITY.fullmatch(quantity)
    if match is None:
        raise refuse("resources.limits.memory", quantity)
    return int(match.group(1)) * _UNITS[match.group(2)]


@dataclass(frozen=True)
class Pod:
    """One pod of the StatefulSet, as `docker run` options for its (single) container."""

    name: str
    ordinal: int
    image: str
    options: tuple[str, ...]
    command: tuple[str, ...]
    env: dict[str, str]  # the container's environment, as the kubelet resolved it
    grace_seconds: int
    run_as_non_root: bool


def pods(
    manifest: Path,
    secrets: Mapping[str, Mapping[str, str]],
    work: Path,
    *,
    command: Sequence[str] = (),
    extra_options: Sequence[str] = (),
    extra_env: Mapping[str, str] | None = None,
) -> list[Pod]:
    """The StatefulSet's pods, ordinal 0 first (the order OrderedReady starts them in).

    `command` replaces the container's command (the tests run the bot through the fake
    Discord's launcher); `extra_env` and `extra_options` add what that needs. emptyDir
    volumes are fresh folders under `work`.
    """
    spec = statefulset(manifest)["spec"]
    name = statefulset(manifest)["metadata"]["name"]
    only("StatefulSet.spec", spec, STATEFULSET_FIELDS)
    template = spec["template"]
    labels = template["metadata"].get("labels", {})
    selector = spec["selector"]["matchLabels"]
    assert selector.items() <= labels.items(), "the selector must match the pod template's labels"
    claims = {claim["metadata"]["name"] for claim in spec.get("volumeClaimTemplates", [])}
    added = Added(tuple(command), tuple(extra_options), dict(extra_env or {}), claims)
    return [
        _pod(f"{name}-{ordinal}", ordinal, template, secrets, work, added)
        for ordinal in range(spec.get("replicas", 1))
    ]


@dataclass(frozen=True)
class Added:
    """What the test adds to every pod: a command instead of the image's, env, options."""

    command: tuple[str, ...]
    options: tuple[str, ...]
    env: dict[str, str]
    claims: set[str]  # the StatefulSet's volumeClaimTemplates: a volume of each pod's own


# Fields of the StatefulSet's spec that concern the controller, not the kubelet: accepted.
STATEFULSET_FIELDS = {
    "replicas",
    "selector",
    "serviceName",
    "podManagementPolicy",
    "minReadySeconds",
    "template",
    "updateStrategy",
    "revisionHistoryLimit",
    "persistentVolumeClaimRetentionPolicy",
    # Played as a folder of the pod's own (see _pod), as the claim's volume would be.
    "volumeClaimTemplates",
}
POD_FIELDS = {
    "containers",
    "volumes",
    "securityContext",
    "terminationGracePeriodSeconds",
    "automountServiceAccountToken",
    "enableServiceLinks",
}
CONTAINER_FIELDS = {
    "name",
    "image",
    "env",
    "resources",
    "securityContext",
    "volumeMounts",
    "command",
    "args",
    # Played by a kubelet, not here: the probes ask the health server
    # (tests/render/test_operations.py checks they name its paths and port), and containerPort
    # only names the port.
    "ports",
    "startupProbe",
    "livenessProbe",
    "readinessProbe",
    # Where the kubelet keeps the last words of a container (its log here): nothing to play.
    "terminationMessagePolicy",
}
SECURITY_FIELDS = {
    "runAsNonRoot",
    "seccompProfile",
    "runAsUser",
    "runAsGroup",
    "allowPrivilegeEscalation",
    "readOnlyRootFilesystem",
    "capabilities",
    "fsGroup",
}


def _pod(
    name: str,
    ordinal: int,
    template: dict[str, Any],
    secrets: Mapping[str, Mapping[str, str]],
    work: Path,
    added: Added,
) -> Pod:
    pod_spec = template["spec"]
    labels = template["metadata"].get("labels", {})
    only("pod spec", pod_spec, POD_FIELDS)
    if pod_spec.get("automountServiceAccountToken", True):
        raise refuse("pod spec.automountServiceAccountToken", "a service account token mount")
    pod_labels = {**labels, POD_INDEX_LABEL: str(ordinal), POD_NAME_LABEL: name}
    (container,) = pod_spec["containers"]
    only("container", container, CONTAINER_FIELDS)
    options: list[str] = ["--network=host", *added.options]
    pod_security = pod_spec.get("securityContext", {})
    security = {**pod_security, **container.get("securityContext", {})}
    options += _security_options(security)

    env = {
        variable["name"]: _env_value(variable, pod_labels, name, secrets)
        for variable in container.get("env", [])
    }
    if "HEALTH_PORT" in env:
        # Each pod has a network of its own on Kubernetes; here they share the host's, so each
        # gets a free port for the same server.
        env["HEALTH_PORT"] = str(_free_port())
    for key, value in {**env, **added.env}.items():
        options += ["--env", f"{key}={value}"]

    limits = container.get("resources", {}).get("limits", {})
    only("resources.limits", limits, {"memory", "cpu"})
    if "memory" in limits:
        options += ["--memory", str(memory_bytes(str(limits["memory"])))]
    if "cpu" in limits:
        cpu = str(limits["cpu"])
        options += ["--cpus", str(int(cpu[:-1]) / 1000 if cpu.endswith("m") else float(cpu))]

    volumes = {volume["name"]: volume for volume in pod_spec.get("volumes", [])}
    for mount in container.get("volumeMounts", []):
        only("volumeMount", mount, {"name", "mountPath", "readOnly"})
        if mount["name"] in added.claims and mount["name"] not in volumes:
            # A persistent volume of this pod's own, owned by fsGroup as the kubelet makes it.
            claim = work / name / mount["name"]
            claim.mkdir(parents=True)
            if "fsGroup" in security:
                os.chown(claim, -1, int(security["fsGroup"]))
            claim.chmod(0o2775)
            options += ["--mount", f"type=bind,source={claim},target={mount['mountPath']}"]
            continue
        volume = volumes[mount["name"]]
        only("volume", volume, {"name", "emptyDir"})
        if volume["emptyDir"]:
            raise refuse(f"volume {mount['name']}.emptyDir", volume["emptyDir"])
        folder = work / name / mount["name"]
        folder.mkdir(parents=True)
        folder.chmod(EMPTY_DIR_MODE)
        readonly = ",readonly" if mount.get("readOnly") else ""
        options += ["--mount", f"type=bind,source={folder},target={mount['mountPath']}{readonly}"]

    grace = int(pod_spec.get("terminationGracePeriodSeconds", 30))
    options += ["--stop-timeout", str(grace)]
    entrypoint = list(container.get("command", []))
    arguments = list(added.command or container.get("args", []))
    if entrypoint and not added.command:
        options += ["--entrypoint", entrypoint[0]]
        arguments = [*entrypoint[1:], *arguments]
    return Pod(
        name,
        ordinal,
        container["image"],
        tuple(options),
        tuple(arguments),
        env,
        grace,
        bool(security.get("runAsNonRoot")),
    )


def container_security_options(manifest: Path) -> list[str]:
    """The `docker run` options for the pod's and its container's securityContext."""
    pod_spec = statefulset(manifest)["spec"]["template"]["spec"]
    (container,) = pod_spec["containers"]
    return _security_options(
        {**pod_spec.get("securityContext", {}), **container.get("securityContext", {})}
    )


def _security_options(security: Mapping[str, Any]) -> list[str]:
    only("securityContext", security, SECURITY_FIELDS)
    options: list[str] = []
    if security.get("readOnlyRootFilesystem"):
        options.append("--read-only")
    if security.get("allowPrivilegeEscalation") is False:
        options += ["--security-opt", "no-new-privileges"]
    capabilities = security.get("capabilities", {})
    only("capabilities", capabilities, {"drop", "add"})
    options += [f"--cap-drop={capability}" for capability in capabilities.get("drop", [])]
    options += [f"--cap-add={capability}" for capability in capabilities.get("add", [])]
    seccomp = security.get("seccompProfile", {"type": "RuntimeDefault"})
    if seccomp.get("type") != "RuntimeDefault":  # Docker's default profile is the runtime's
        raise refuse("seccompProfile", seccomp)
    if "fsGroup" in security:  # the pod's volumes belong to this group (see _pod)
        options += ["--group-add", str(security["fsGroup"])]
    if "runAsUser" in security:
        group = security.get("runAsGroup", security["runAsUser"])
        options += ["--user", f"{security['runAsUser']}:{group}"]
    return options


def _env_value(
    variable: Mapping[str, Any],
    labels: Mapping[str, str],
    pod_name: str,
    secrets: Mapping[str, Mapping[str, str]],
) -> str:
    if "value" in variable:
        value = str(variable["value"])
        if "$(" in value:
            raise refuse(f"env {variable['name']}", value)
        return value
    source = variable["valueFrom"]
    if "secretKeyRef" in source:
        reference = source["secretKeyRef"]
        secret = secrets.get(reference["name"])
        # The kubelet refuses to start the container (CreateContainerConfigError).
        assert secret is not None, f"env {variable['name']}: no Secret {reference['name']!r}"
        assert reference["key"] in secret, f"Secret {reference['name']!r} has no {reference['key']}"
        return secret[reference["key"]]
    if "fieldRef" in source:
        path = source["fieldRef"]["fieldPath"]
        if path == "metadata.name":
            return pod_name
        if path == "metadata.namespace":
            return "default"
        label = re.fullmatch(r"metadata\.labels\['([^']+)'\]", path)
        if label and label.group(1) in labels:
            return labels[label.group(1)]
        raise refuse(f"env {variable['name']}.fieldRef", path)
    raise refuse(f"env {variable['name']}.valueFrom", source)


def runs_as_non_root(image_user: str) -> bool:
    """runAsNonRoot as the kubelet checks it: the image's user must be a number other than 0
    (a name cannot be verified, so the kubelet refuses it)."""
    uid = image_user.partition(":")[0]
    return uid.isdigit() and int(uid) != 0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
