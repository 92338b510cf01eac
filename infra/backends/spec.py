"""`BackendSpec`: the plug-in contract — everything generic code needs to know about one place Redis runs.

A backend is a subpackage of `infra.backends` whose `__init__.py` defines `SPEC = BackendSpec(...)`. The program,
the settings loader, the deploy hook, the verifier, the CLI and the mock-engine runner consult the registry
(`infra.backends.get(name)`) and never compare a backend's name. Every reference to code is a `"module:attribute"`
string, loaded only when it is used: importing a backend package (which the CLI's `verify` does to find control-plane
checks) must cost nothing — no pydantic, no Pulumi provider, no boto3. What a backend does differently at run time
reaches generic code as data in its `settings` output (`managed`, `restricted_commands`, `cluster_mode`, see
`infra.contract`), never as a question about which backend it is.

The types a backend works with (their homes once the layout of issue #13 lands): its settings model subclasses
`infra.config.models.Section`; rules return `infra.config.errors.Problem`s; the component is a Pulumi
ComponentResource satisfying `infra.contract.RedisBackend`; control-plane checks return `infra.results.CheckResult`s.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping, Protocol

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable

    import pulumi


class UsageError(Exception):
    """Bad arguments, or outputs a command cannot use (the CLI prints it as one line and exits 2). Defined here, below
    the CLI, because a backend's `backup` module raises it too."""


class ServiceBackup(Protocol):
    """What `backup` names: a module for a service that backs itself up (snapshots) instead of an RDB stream. It gets
    the parsed `python -m infra.cli backup|restore` arguments (the service flags: --export-bucket, --wait-timeout,
    --poll, --snapshot, ...) and the validated stack outputs, and raises `UsageError` for what the user must fix."""

    INTERRUPTED: str  # what a Ctrl-C during `backup` leaves behind, in one sentence
    ERRORS: tuple[type[Exception], ...]  # the service API's errors, reported by the CLI as one line

    def error_text(self, error: Exception) -> str: ...  # any error of the backup, as one line

    def backup(self, args: argparse.Namespace, outputs: dict[str, Any],
               progress: Callable[[str], None]) -> dict[str, Any]: ...  # the report `--json` prints

    def rows(self, report: dict[str, Any]) -> list[tuple[str, str]]: ...  # the report as label/value lines

    def restore(self, args: argparse.Namespace, outputs: dict[str, Any]) -> int: ...  # prints; the exit code


def load(ref: str) -> Any:
    """`"package.module:attribute"` -> the attribute (imports the module now)."""
    module, _, attribute = ref.partition(":")
    if not attribute:
        raise ValueError(f"{ref!r} is not a 'module:attribute' reference")
    return getattr(importlib.import_module(module), attribute)


@dataclass(frozen=True)
class BackendSpec:
    name: str  # the value of `profwise-redis:backend`, and the key of its settings object `profwise-redis:<name>`
    summary: str  # one line for the docs' table and the config reference, e.g. "a local Docker container"
    settings_model: str  # "module:Class": the pydantic model (an `infra.config.models.Section`) of `<name>`
    component: str  # "module:function": build(name, stack_settings, hooks) -> contract.RedisBackend
    # "module:function": rules(section, redis_settings, password) -> list[Problem], cross-field rules run after every
    # field validated and only for this backend (None: none)
    rules: str | None = None
    # Deploy hook: Pulumi type token of the hooked resource -> "module:function"
    # endpoint(resource_id, resource_outputs) -> contract values the resource itself reports (host, port, ...; a
    # `control_plane` mapping in the result is merged into the expected one)
    endpoint_types: Mapping[str, str] = field(default_factory=dict)
    # Which of host, port and password the hooked resource reports itself (its `endpoint_types` reader returns
    # them); the hook expects the others from the component. Those must be outputs of resources registered before
    # the hooked one, never of the hooked one: its outputs resolve only after its hooks ran (infra/verify/hook.py),
    # so waiting for them fails every deployment after the bounded wait. Fewer: the hook sits on a later step that
    # does not carry the endpoint (a configuration applied to a cluster, a database in a server); more: the service
    # generates the password on the hooked resource. What the resource reports always wins.
    hooked_resource_reports: frozenset[str] = frozenset({"host", "port"})
    data_plane_from_deployer: bool = True  # `verify.fromDeployer` when unset: can `pulumi up`'s machine reach it?
    # "module:function": control-plane checks run(expected, outputs, timeout) -> list[CheckResult] for the
    # `control_plane` output (None: the service has no control plane to check)
    control_plane: str | None = None
    mocks: str | None = None  # "module:NAME": type token (or invoke token) -> outputs the mock engine computes
    backup: str | None = None  # "module" implementing `ServiceBackup`; None: RDB over the wire (backup/restore)
    needs_local_docker: bool = False  # does `make up` need a Docker engine on this machine for this backend
    # "module:function": stand_in(placeholder_value, index) -> a valid value, for the REPLACE-ME placeholders a
    # shipped stack file carries (offline `check`, tests); None: the backend's stack files carry none
    stand_in: str | None = None
    # "module:function": legacy_settings() -> the `managed` / `restricted_commands` data of the `settings` output, for
    # outputs a stack exported before its settings output carried them (deployed before the plug-in layout): the CLI
    # fills them in, so an existing stack means what it meant until its next `pulumi up` re-exports them (None: the
    # backend's outputs always carried them, or it had none)
    legacy_settings: str | None = None

    def model(self) -> type[Any]:
        model: type[Any] = load(self.settings_model)
        return model

    def build(self, name: str, settings: Any, hooks: pulumi.ResourceHookBinding | None = None) -> Any:
        return load(self.component)(name, settings, hooks)

    def problems(self, section: Any, redis: Any, password: Any) -> list[Any]:
        return list(load(self.rules)(section, redis, password)) if self.rules else []

    def endpoint(self, type_: str, id_: str, outputs: Mapping[str, Any]) -> dict[str, Any] | None:
        """The hooked resource's contract values, or None when `type_` is not one of this backend's endpoints."""
        ref = self.endpoint_types.get(type_)
        return dict(load(ref)(id_, outputs)) if ref else None

    def service_backup(self) -> ServiceBackup | None:
        return importlib.import_module(self.backup) if self.backup else None
