"""How the server's container is confined, as pure functions of the settings: memory, user, capabilities.

Memory: Docker's limit must hold `maxmemory` plus what Redis needs beside the dataset — the copy-on-write pages a
BGSAVE or AOF rewrite fork dirties (up to the whole dataset under heavy writes), client output buffers, the
allocator's fragmentation (redis.conf: leave free RAM "for replica output buffers"). Half the dataset, at least
256 MiB, is the margin; swap is refused (`memory_swap == memory`), so Redis is killed and restarted by Docker rather
than slowed to a crawl.

User and capabilities: the container starts as the image's `redis` user (`user: uid:gid`) with every capability
dropped. The official entrypoint then skips its root branch (the chown of /data and the drop to redis need CHOWN,
SETUID, SETGID and, for a restart with a 0700 appendonlydir, DAC_READ_SEARCH — measured), and the newer setpriv-based
entrypoint would otherwise keep running as root when SETUID/SETGID are missing. The uid:gid is per image:
`redis:*-alpine` uses 999:1000, the Debian-based `redis:*` 999:999; any other image needs an explicit `user`.
"""

from __future__ import annotations

import math

from infra.backends.docker.image_ref import ImageRef
from infra.sizes import MIB

MIN_OVERHEAD = 256 * MIB
OVERHEAD_FRACTION = 0.5
CAPABILITIES_DROPPED = ("ALL",)
CAPABILITIES_ADDED: tuple[str, ...] = ()  # none: see the module docstring
SECURITY_OPTS = ("no-new-privileges:true",)
RESTART = "always"  # across engine restarts and server reboots, and after a crash (OOM kill included)
LOG_OPTS = {"max-size": "10m", "max-file": "3"}  # json-file: at most 30 MB of logs per container


def memory_limit_mb(maxmemory: int) -> int:
    """The container's memory limit in MB (pulumi-docker's `memory` unit, MiB), for a `maxmemory` in bytes."""
    overhead = max(MIN_OVERHEAD, math.ceil(maxmemory * OVERHEAD_FRACTION))
    return math.ceil((maxmemory + overhead) / MIB)


def image_user(ref: ImageRef) -> str | None:
    """The `uid:gid` of the image's redis user, when known for this official image; None: say it with `user`."""
    if ref.engine != "redis" or ref.tag is None:
        return None
    return "999:1000" if "-alpine" in ref.tag else "999:999"
