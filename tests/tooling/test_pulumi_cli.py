"""`make up`'s Pulumi CLI (infra/tooling/pulumi_cli.py): the version floor, and installing the pinned CLI into the
project.

The install runs the Automation API's real `PulumiCommand.install`; only its download of get.pulumi.com's install
script is replaced, by a script that records its arguments and installs a stub `pulumi` where the real one would go.
PATH holds nothing but an empty directory, so no `pulumi` on this machine takes part.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from pulumi.automation import _cmd
from semver import VersionInfo

from infra.tooling import pulumi_cli

FAKE_INSTALLER = f"""#!{sys.executable}
import json, os, sys
args = sys.argv[1:]
root = args[args.index("--install-root") + 1]
version = args[args.index("--version") + 1]
os.makedirs(os.path.join(root, "bin"), exist_ok=True)
with open(os.path.join(root, "bin", "pulumi"), "w") as cli:
    cli.write("#!/bin/sh\\necho v" + version + "\\n")
os.chmod(os.path.join(root, "bin", "pulumi"), 0o755)
with open(os.path.join(root, "installer-args.json"), "w") as record:
    json.dump(args, record)
"""


@pytest.fixture
def no_pulumi_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


@pytest.mark.parametrize(("version", "usable"), [
    (None, False), ("3.237.9", False), ("3.238.0", True), ("3.272.0", True), ("3.400.1", True), ("4.0.0", False),
])
def test_the_version_floor(version, usable):
    assert pulumi_cli.usable(VersionInfo.parse(version) if version else None) is usable


def test_the_pinned_version_is_above_the_floor():
    assert pulumi_cli.usable(pulumi_cli.PINNED_VERSION)


@pytest.mark.integration  # runs the CLI / the install script as subprocesses
def test_without_a_cli_the_pinned_one_is_installed_into_the_project(tmp_path, monkeypatch, no_pulumi_on_path):
    downloads: list[str] = []

    def download(url: str, path: str) -> None:
        downloads.append(url)
        Path(path).write_text(FAKE_INSTALLER)

    monkeypatch.setattr(_cmd, "_download_to_file", download)
    root = tmp_path / "pulumi-cli"
    chosen = pulumi_cli.ensure(root)
    assert downloads == ["https://get.pulumi.com/install.sh"]
    assert json.loads((root / "installer-args.json").read_text()) == [
        "--no-edit-path", "--install-root", str(root), "--version", "3.272.0"]
    assert chosen.command == str(root / "bin" / "pulumi")
    assert chosen.note == f"no pulumi on PATH; `make up` needs 3.238.0+ (from 3.238 a failed post-deploy " \
                          f"verification fails `pulumi up`): using Pulumi 3.272.0 installed in {root}"


@pytest.mark.integration  # runs the CLI / the install script as subprocesses
def test_an_install_already_in_the_project_is_reused_without_a_download(tmp_path, monkeypatch, no_pulumi_on_path):
    root = tmp_path / "pulumi-cli"
    (root / "bin").mkdir(parents=True)
    (root / "bin" / "pulumi").write_text("#!/bin/sh\necho v3.272.0\n")
    (root / "bin" / "pulumi").chmod(0o755)
    monkeypatch.setattr(_cmd, "_download_to_file", lambda url, path: pytest.fail("downloaded again"))
    assert pulumi_cli.ensure(root).command == str(root / "bin" / "pulumi")


@pytest.mark.integration  # runs the CLI / the install script as subprocesses
def test_a_failed_download_names_the_command_to_run(tmp_path, monkeypatch, no_pulumi_on_path):
    def offline(url: str, path: str) -> None:
        raise OSError("Temporary failure in name resolution")

    monkeypatch.setattr(_cmd, "_download_to_file", offline)
    root = tmp_path / "pulumi-cli"
    with pytest.raises(pulumi_cli.CliUnavailable) as refused:
        pulumi_cli.ensure(root)
    message = str(refused.value)
    assert "Temporary failure in name resolution" in message
    assert (f"curl -fsSL https://get.pulumi.com/install.sh | sh -s -- --install-root '{root}' --version 3.272.0 "
            "--no-edit-path") in message
