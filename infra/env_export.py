"""The backend's `.env` from the stack outputs (`app_env`), as dotenv or JSON, secrets masked unless asked.

`--write FILE` always writes the real values (that file is what the app reads) with mode 0600: the content goes to
a temporary file created 0600 in the same directory (O_EXCL, so never briefly readable by others, whatever the
umask), is fsynced, then atomically renamed over FILE. An existing dotenv file keeps its other lines and comments;
only our keys are replaced or appended, so the app's other settings are never lost.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from pathlib import Path
from typing import Any, Mapping

from infra import contract

SECRET_KEYS = ("REDIS_PASSWORD",)
MASK = "********"
_SAFE = re.compile(r"^[A-Za-z0-9_./:@+,=-]*$")


def app_env_from(outputs: Mapping[str, Any]) -> dict[str, str]:
    env = outputs.get(contract.APP_ENV)
    if env in (None, "[secret]") or not isinstance(env, dict):
        raise ValueError("the app_env output is missing or masked: read the outputs with `pulumi stack output "
                         "--json --show-secrets` (or use --stack)")
    missing = [k for k in contract.APP_ENV_KEYS if k not in env]
    if missing:
        raise ValueError(f"app_env lacks {', '.join(missing)}: redeploy the stack with this version (`make up`)")
    return {k: str(env[k]) for k in contract.APP_ENV_KEYS}


def masked(env: Mapping[str, str]) -> dict[str, str]:
    return {k: MASK if k in SECRET_KEYS and v else v for k, v in env.items()}


def quote(value: str) -> str:
    """Unquoted when plain; else single quotes, which dotenv (Python, Node) and Compose read literally (no `$`
    expansion, `#` kept); a value holding a single quote gets double quotes with escapes."""
    if _SAFE.match(value):
        return value
    if "'" not in value:
        return f"'{value}'"
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render(env: Mapping[str, str], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(dict(env), indent=2) + "\n"
    return "".join(f"{k}={quote(v)}\n" for k, v in env.items())


def merge_dotenv(existing: str, env: Mapping[str, str]) -> str:
    """Replace our keys where they are (also `export KEY=`), append the missing ones, keep everything else."""
    lines, seen = [], set()
    for line in existing.splitlines():
        match = re.match(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=", line)
        if match and match.group(1) in env:
            if match.group(1) not in seen:  # a duplicate of our key would shadow the new value in some parsers
                lines.append(f"{match.group(1)}={quote(env[match.group(1)])}")
                seen.add(match.group(1))
            continue
        lines.append(line)
    lines += [f"{k}={quote(v)}" for k, v in env.items() if k not in seen]
    return "\n".join(lines) + "\n"


def merge_json(existing: str, env: Mapping[str, str]) -> str:
    try:
        data = json.loads(existing)
    except json.JSONDecodeError:
        raise ValueError("the existing file is not JSON; choose another --write path or --format dotenv") from None
    if not isinstance(data, dict):
        raise ValueError("the existing JSON file is not an object; choose another --write path")
    data.update(env)
    return json.dumps(data, indent=2) + "\n"


def write_private(path: Path, env: Mapping[str, str], fmt: str) -> Path:
    existing = path.read_text(encoding="utf-8") if path.exists() else None
    if existing is None:
        text = render(env, fmt)
    else:
        text = merge_json(existing, env) if fmt == "json" else merge_dotenv(existing, env)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), 0o600)  # explicit: the mode must not depend on the umask
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return path
