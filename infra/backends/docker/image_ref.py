"""Docker image references, parsed as Docker parses them, and which of them are an official Redis 7+ image.

The grammar is distribution/reference's (github.com/distribution/reference, regexp.go and normalize.go), which the
Docker engine uses: `[host[:port]/]path[:tag][@digest]`, path components lower-case alphanumerics joined by `.`,
`_`, `__` or dashes, a tag of at most 128 word characters, `.` and `-`, a digest `algorithm:hex`. Familiar names
are normalised the same way: `redis` is `docker.io/library/redis`, `index.docker.io/` is `docker.io/`. Written out
here (ASCII classes, `fullmatch`) because no maintained Python package implements this grammar; the Docker SDK's
`parse_repository_tag` only splits at the last colon and accepts `EVIL/redis`.

Official means Docker Hub's `library/redis` or Valkey's own `valkey/valkey`, with an exact version tag (7.2.11,
optionally -alpine, -alpine3.21, -bookworm …) of major 7 or later: a floating tag (`latest`, `7-alpine`) changes
under a running stack. `docker.allowUnofficialImage` opts out of that rule, never out of the grammar.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ALNUM = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|[-]+)"
_PATH_COMPONENT = rf"{_ALNUM}(?:{_SEPARATOR}{_ALNUM})*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_HOST = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[a-fA-F0-9:]+\])"
_DOMAIN = rf"{_HOST}(?::[0-9]+)?"
_REMOTE = rf"{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
REFERENCE_RE = re.compile(rf"(?P<name>(?:{_DOMAIN}/)?{_REMOTE})(?::(?P<tag>{_TAG}))?(?:@(?P<digest>{_DIGEST}))?",
                          re.ASCII)
_NAME_RE = re.compile(rf"(?:(?P<domain>{_DOMAIN})/)?(?P<path>{_REMOTE})", re.ASCII)
# go-digest: only registered algorithms, each with its exact lower-case hex length.
_DIGEST_HEX = {"sha256": 64, "sha384": 96, "sha512": 128}
NAME_TOTAL_LENGTH_MAX = 255  # RepositoryNameTotalLengthMax (reference.go)
OFFICIAL = {"docker.io/library/redis": "redis", "docker.io/valkey/valkey": "valkey"}
_VERSION_TAG_RE = re.compile(r"(?P<major>\d+)\.(?P<minor>\d+)\.(?P<patch>\d+)(?:-(?P<variant>[a-z][a-z0-9.]*))?",
                             re.ASCII)
MIN_MAJOR = 7


@dataclass(frozen=True)
class ImageRef:
    domain: str
    path: str
    tag: str | None
    digest: str | None

    @property
    def repository(self) -> str:
        return f"{self.domain}/{self.path}"

    @property
    def engine(self) -> str | None:
        """`redis` or `valkey` for an official image, None for any other."""
        return OFFICIAL.get(self.repository)

    @property
    def version(self) -> tuple[int, int, int] | None:
        match = _VERSION_TAG_RE.fullmatch(self.tag or "")
        return (int(match["major"]), int(match["minor"]), int(match["patch"])) if match else None

    @property
    def server_binary(self) -> str:
        """The official valkey image drops root only when started as `valkey-server` (its docker-entrypoint.sh);
        every other image is run as `redis-server`."""
        return "valkey-server" if self.engine == "valkey" else "redis-server"


def _split_domain(name: str) -> tuple[str, str]:
    """splitDockerDomain (normalize.go): the first component is a registry host when it has a dot or a colon, is
    `localhost`, or has upper-case letters; otherwise the image is on Docker Hub."""
    first, _, rest = name.partition("/")
    if not rest:
        return "docker.io", f"library/{name}"
    if first == "index.docker.io":
        domain, path = "docker.io", rest
    elif first == "localhost" or any(c in first for c in ".:") or first.lower() != first:
        domain, path = first, rest
    else:
        domain, path = "docker.io", name
    if domain == "docker.io" and "/" not in path:
        path = f"library/{path}"
    return domain, path


def parse(reference: str) -> ImageRef:
    """ValueError (saying what is wrong) unless `reference` is a reference the Docker engine accepts."""
    match = REFERENCE_RE.fullmatch(reference)
    if not match:
        lowered = reference.lower()
        if lowered != reference and REFERENCE_RE.fullmatch(lowered):
            raise ValueError(f"{reference!r} is not a Docker image reference: repository names must be lower-case")
        raise ValueError(f"{reference!r} is not a Docker image reference ([registry/]repository[:tag][@digest], "
                         "e.g. redis:7.2.11-alpine)")
    name, tag, digest = match["name"], match["tag"], match["digest"]
    if re.fullmatch(r"[a-f0-9]{64}", name):
        raise ValueError(f"{reference!r} is an image id, not a reference: name the repository and tag")
    domain, path = _split_domain(name)
    if not _NAME_RE.fullmatch(f"{domain}/{path}") or path.lower() != path:
        raise ValueError(f"{reference!r} is not a Docker image reference: repository names must be lower-case")
    if len(path) > NAME_TOTAL_LENGTH_MAX:
        raise ValueError(f"the repository name is {len(path)} characters; Docker allows {NAME_TOTAL_LENGTH_MAX}")
    if digest:
        algorithm, _, hex_ = digest.partition(":")
        if _DIGEST_HEX.get(algorithm) != len(hex_) or hex_.lower() != hex_:
            raise ValueError(f"{digest!r} is not a digest Docker accepts: use sha256: and 64 lower-case hex digits")
    return ImageRef(domain, path, tag, digest)


def official_problem(ref: ImageRef, reference: str) -> str | None:
    """Why `ref` is not a pinned official Redis/Valkey 7+ image, or None when it is one."""
    if ref.engine is None:
        return (f"{reference!r} is not an official Redis image ({ref.repository}): use redis:7.2.11-alpine (Docker "
                "Hub's library/redis) or valkey/valkey:8.0.2-alpine, or set docker.allowUnofficialImage to true if "
                "you trust this image")
    version = ref.version
    if version is None:
        return (f"{reference!r} is not pinned to an exact version: use a tag such as 7.2.11-alpine (optionally "
                "@sha256:<digest>); floating tags like latest or 7-alpine change under you")
    if version[0] < MIN_MAJOR:
        return f"{reference!r} is {ref.engine} {'.'.join(map(str, version))}: this stack needs 7 or later"
    return None
