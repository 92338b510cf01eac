"""The CI workflows: actionlint accepts them (and rejects a broken one), every action is pinned to a commit, the
permissions are least-privilege, two `pulumi up`s of one stack never overlap, the previews apply the policy pack."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from infra.config.stack_files import REPO_ROOT

WORKFLOWS = REPO_ROOT / ".github" / "workflows"
ACTIONLINT = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or "actionlint"
PINNED = re.compile(r"^[\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")


def load(name: str) -> dict:
    # PyYAML reads the `on:` key as True (YAML 1.1); map it back.
    workflow = yaml.safe_load((WORKFLOWS / name).read_text())
    workflow["on"] = workflow.pop(True)
    return workflow


def steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def action(workflow: dict, prefix: str) -> list[dict]:
    return [step for step in steps(workflow) if step.get("uses", "").startswith(prefix)]


def run_actionlint(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ACTIONLINT, "-no-color", *map(str, paths)], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=60, check=False)


@pytest.mark.integration
def test_actionlint_accepts_the_workflows():
    done = run_actionlint(*sorted(WORKFLOWS.glob("*.yml")))
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.integration
@pytest.mark.parametrize("mistake", [
    ("runs-on: ubuntu-24.04", "runs-on: ubuntu-24.04\n    permissions:\n      contents: bogus"),
    ("${{ matrix.stack }}", "${{ matrix.stak }}"),
    ("if: matrix.stack == 'dev'", "if: matrix.stack == 'dev' &&"),
], ids=["bad permission", "undefined matrix key", "broken expression"])
def test_actionlint_rejects_a_broken_workflow(tmp_path, mistake):
    """The lint gate can fail: the same workflow with one mistake is refused."""
    text = (WORKFLOWS / "preview.yml").read_text()
    assert mistake[0] in text
    broken = tmp_path / ".github" / "workflows" / "preview.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text(text.replace(mistake[0], mistake[1], 1))
    assert run_actionlint(broken).returncode != 0


@pytest.mark.parametrize("name", ["preview.yml", "deploy.yml"])
def test_every_action_is_pinned_to_a_full_commit_with_its_version(name):
    lines = [line.strip().removeprefix("- ") for line in (WORKFLOWS / name).read_text().splitlines()
             if line.strip().removeprefix("- ").startswith("uses:")]
    assert lines
    for line in lines:
        assert PINNED.match(line.removeprefix("uses: ")), line


@pytest.mark.parametrize("name", ["preview.yml", "deploy.yml"])
def test_permissions_are_least_privilege(name):
    workflow = load(name)
    assert workflow["permissions"] == {"contents": "read"}
    for job_name, job in workflow["jobs"].items():
        granted = job.get("permissions", workflow["permissions"])
        assert set(granted) <= {"contents", "pull-requests", "id-token"}, job_name
        assert granted["contents"] == "read", job_name
        if "id-token" in granted:  # only jobs that assume the AWS role through OIDC
            assert action({"jobs": {job_name: job}}, "aws-actions/configure-aws-credentials@"), job_name
        if "pull-requests" in granted:  # only the job that comments the preview
            assert all(s["with"].get("comment-on-pr") for s in action({"jobs": {job_name: job}}, "pulumi/actions@"))


def test_pull_requests_preview_both_stacks_with_the_policy_pack_after_the_tests():
    workflow = load("preview.yml")
    assert set(workflow["on"]) == {"pull_request"}
    preview = workflow["jobs"]["preview"]
    assert preview["needs"] == "test" and preview["strategy"]["matrix"]["stack"] == ["dev", "prod"]
    (pulumi,) = action({"jobs": {"preview": preview}}, "pulumi/actions@")
    assert pulumi["with"]["command"] == "preview" and pulumi["with"]["stack-name"] == "${{ matrix.stack }}"
    assert pulumi["with"]["policyPacks"] == "policy" and pulumi["with"]["comment-on-pr"] is True
    assert any(s.get("run") == "make test" for s in workflow["jobs"]["test"]["steps"])
    assert any("make deps policy-venv" in s.get("run", "") for s in preview["steps"])


def test_pull_requests_from_forks_preview_dev_only():
    """A fork's pull request gets no secrets and no OIDC token: only the dev preview (a throwaway local state, the
    fixed dev passphrase) may run; the prod credentials and preview need the pull request to come from this repo."""
    preview = load("preview.yml")["jobs"]["preview"]
    assert preview["env"]["SAME_REPO"] == "${{ github.event.pull_request.head.repo.full_name == github.repository }}"
    (credentials,) = action({"jobs": {"preview": preview}}, "aws-actions/configure-aws-credentials@")
    assert credentials["if"] == "matrix.stack == 'prod' && env.SAME_REPO == 'true'"
    (pulumi,) = action({"jobs": {"preview": preview}}, "pulumi/actions@")
    assert pulumi["if"] == "matrix.stack == 'dev' || env.SAME_REPO == 'true'"
    uses_secrets = [s for s in preview["steps"] if "secrets." in json.dumps(s) or "vars." in json.dumps(s)]
    assert all("env.SAME_REPO == 'true'" in s.get("if", "") for s in uses_secrets), "a step a fork could reach"


def test_ci_runs_the_offline_policy_check_of_every_stack_through_make_test():
    """No separate `check` step: `make test` runs the whole suite, whose test_check runs `check` on every stack file."""
    for name in ("preview.yml", "deploy.yml"):
        assert [s["run"] for s in load(name)["jobs"]["test"]["steps"] if "run" in s] == ["make test"], name
    recipe = re.search(r"^test:.*\n((?:\t.*\n)+)", (REPO_ROOT / "Makefile").read_text(), re.M)
    assert recipe and recipe.group(1).strip() == "$(PY) -m pytest -q", "make test runs every test"
    from support.stack_harness import SHIPPED_STACKS
    assert {"dev", "prod"} <= set(SHIPPED_STACKS)  # and every other shipped stack file


def test_main_deploys_prod_once_at_a_time_then_verifies_and_keeps_the_report():
    workflow = load("deploy.yml")
    assert workflow["on"] == {"push": {"branches": ["main"]}}
    assert any(s.get("run") == "make test" for s in workflow["jobs"]["test"]["steps"]), "the tests gate the deploy"
    up = workflow["jobs"]["up"]
    assert up["needs"] == "test"
    assert up["concurrency"] == {"group": "pulumi-up-prod", "cancel-in-progress": False}
    names = [s.get("uses", s.get("run", "")).split("@")[0] for s in up["steps"]]
    (pulumi,) = action({"jobs": {"up": up}}, "pulumi/actions@")
    assert pulumi["with"]["command"] == "up" and pulumi["with"]["stack-name"] == "prod"
    assert pulumi["with"]["policyPacks"] == "policy"
    verify = next(s for s in up["steps"] if "infra.cli verify" in s.get("run", ""))
    assert "--stack prod --json" in verify["run"] and "pipefail" in verify["run"]
    assert names.index("pulumi/actions") < up["steps"].index(verify)
    (upload,) = action({"jobs": {"up": up}}, "actions/upload-artifact@")
    assert upload["if"] == "always()" and upload["with"]["path"] == "verify-report.json"


@pytest.mark.parametrize("name", ["preview.yml", "deploy.yml"])
def test_backend_and_secrets_come_from_repository_settings(name):
    text = (WORKFLOWS / name).read_text()
    assert "vars.PULUMI_BACKEND_URL" in text and "secrets.PULUMI_CONFIG_PASSPHRASE" in text
    assert "role-to-assume: ${{ vars.AWS_" in text
    assert "aws-access-key-id" not in text and "AWS_SECRET_ACCESS_KEY" not in text  # OIDC only, no long-lived keys
