"""The backend's `.env` from the stack outputs (`app_env`), as dotenv or JSON, secrets masked unless asked.

`--write FILE` always writes the real values (that file is what the app reads) with mode 0600, atomically, and only
to a regular file (or the one its symlinks lead to); an existing dotenv file keeps every other line byte for byte —
see `infra.ops.env_file`, which does the writing.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Mapping

from infra import contract

SECRET_ENV_KEYS = ("REDIS_PASSWORD",)  # masked unless --show-secrets
MASK = "********"
_SAFE = re.compile(r"[A-Za-z0-9_./:@+,=-]*")  # fullmatch: `$` would let a trailing newline through


def app_env_from(outputs: Mapping[str, Any]) -> dict[str, str]:
    env = outputs.get(contract.APP_ENV)
    if env in (None, "[secret]") or not isinstance(env, dict):
        raise ValueError("the app_env output is missing or masked: read the outputs with `pulumi stack output "
                         "--json --show-secrets` (or use --stack)")
    missing = [k for k in contract.APP_ENV_KEYS if k not in env]
    if missing:
        raise ValueError(f"app_env lacks {', '.join(missing)}: redeploy the stack with this version (`make up`)")
    keys = [*contract.APP_ENV_KEYS, *(k for k in contract.APP_ENV_OPTIONAL_KEYS if env.get(k))]
    return {k: str(env[k]) for k in keys}


def masked(env: Mapping[str, str]) -> dict[str, str]:
    return {k: MASK if k in SECRET_ENV_KEYS and v else v for k, v in env.items()}


def quote(value: str) -> str:
    """Unquoted when plain; else single quotes, which dotenv (Python, Node) and Compose read literally (no `$`
    expansion, `#` kept); a value holding a single quote gets double quotes with escapes."""
    if _SAFE.fullmatch(value):
        return value
    if "'" not in value:
        return f"'{value}'"
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render(env: Mapping[str, str], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(dict(env), indent=2) + "\n"
    return "".join(f"{k}={quote(v)}\n" for k, v in env.items())


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
    """Write `env` into FILE (see `infra.ops.env_file`); returns the file written, which a symlink at `path` leads to.
    Raises env_file.Refused for what it will not write, OSError when writing fails."""
    from infra.ops import env_file

    target = env_file.resolve(path)
    existing = env_file.read_existing(target)
    if existing is None:
        text = render(env, fmt)
    else:
        old = existing[0].decode("utf-8", errors="surrogateescape")  # bytes not UTF-8 are carried through as they are
        text = merge_json(old, env) if fmt == "json" else env_file.merge_dotenv(old, env, quote)
    env_file.replace(target, text.encode("utf-8", errors="surrogateescape"), existing[1] if existing else None)
    return target
