"""The Pulumi CLI `make up` runs: the one on PATH when it is new enough, otherwise one installed into the project.

A failing after-hook — the post-deploy verification — fails `pulumi up` only from CLI 3.238 (pulumi/pulumi#22935);
an older CLI merely logs a warning, so a deployment that failed verification would look like a success. `ensure()`
therefore takes PATH's `pulumi` only if it is 3.238+ (and major version 3, which this SDK speaks), else the project's
own CLI under `.pulumi-cli/` (git-ignored; `PROFWISE_PULUMI_ROOT` moves it), installed with the Automation API's
`PulumiCommand.install(root=..., version=PINNED_VERSION)` — which reuses an install already there that is new enough,
and otherwise downloads and runs get.pulumi.com's install script. When that fails (offline), `CliUnavailable` says
exactly which command to run. `python -m infra.tooling.pulumi_cli` prints the directory holding the chosen `pulumi` (for
PATH) and exits 1 with that message.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from semver import VersionInfo

# Not infra.config.stack_files.REPO_ROOT: `make up` runs this first, and the settings models it imports take a
# second to load.
REPO_ROOT = Path(__file__).resolve().parents[2]
MIN_VERSION = VersionInfo.parse("3.238.0")
PINNED_VERSION = VersionInfo.parse("3.272.0")  # the CLI matching the SDK release this project is tested with
ROOT_ENV = "PROFWISE_PULUMI_ROOT"


class CliUnavailable(Exception):
    """No usable CLI and none could be installed; the message says what to run."""


@dataclass(frozen=True)
class Chosen:
    command: str  # the `pulumi` executable to run
    note: str  # what was chosen, for the user


def install_root() -> Path:
    return Path(os.environ.get(ROOT_ENV) or REPO_ROOT / ".pulumi-cli")


def usable(version: VersionInfo | None) -> bool:
    return version is not None and version.major == MIN_VERSION.major and version.compare(MIN_VERSION) >= 0


def path_version() -> tuple[bool, VersionInfo | None]:
    """(found, version) of the `pulumi` on PATH; the version is None when it cannot be parsed. (What
    `PulumiCommand(skip_version_check=True)` reads, without loading the Automation API when PATH's CLI will do.)"""
    cli = shutil.which("pulumi")
    if not cli:
        return False, None
    env = {**os.environ, "PULUMI_SKIP_UPDATE_CHECK": "true"}
    done = subprocess.run([cli, "version"], capture_output=True, text=True, env=env, timeout=60, check=False)
    try:
        return True, VersionInfo.parse(done.stdout.strip().removeprefix("v"))
    except ValueError:
        return True, None


def install_command(root: Path) -> str:
    return (f"curl -fsSL https://get.pulumi.com/install.sh | sh -s -- --install-root '{root}' --version "
            f"{PINNED_VERSION} --no-edit-path")


def ensure(root: Path | None = None) -> Chosen:
    root = root or install_root()
    found, version = path_version()
    if usable(version):
        return Chosen("pulumi", f"pulumi {version} on PATH")
    on_path = f"pulumi {version or '(unknown version)'} on PATH is too old" if found else "no pulumi on PATH"
    why = (f"{on_path}; `make up` needs {MIN_VERSION}+ (from 3.238 a failed post-deploy verification fails "
           "`pulumi up`)")
    from pulumi.automation import PulumiCommand  # only now: it takes a second to load

    try:
        command = PulumiCommand.install(root=str(root), version=PINNED_VERSION)
    except Exception as error:  # noqa: BLE001 — a failed download or install script: the user gets the command
        raise CliUnavailable(f"{why}, and installing Pulumi {PINNED_VERSION} into {root} failed ({error}).\n"
                             f"  Install it with:\n    {install_command(root)}\n  then re-run 'make up'.") from None
    return Chosen(command.command, f"{why}: using Pulumi {command.version} installed in {root}")


def main() -> int:
    try:
        chosen = ensure()
    except CliUnavailable as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"==> {chosen.note}", file=sys.stderr)
    print(Path(chosen.command).parent if os.sep in chosen.command else "")
    return 0


if __name__ == "__main__":
    sys.exit(main())
