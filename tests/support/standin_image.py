"""A stand-in for the pinned `redis:7.2.11-alpine` image, built offline from this machine's own binaries.

No registry is reachable here, so nothing can be pulled. `rootfs_tar()` assembles, in memory, a root filesystem that
honours the official image's runtime contract (docker-library/redis: its Dockerfile and docker-entrypoint.sh): user
`redis` uid 999 in group `redis` gid 1000, `/data` owned by them, `WORKDIR /data`, `VOLUME /data`, `EXPOSE 6379`; an
entrypoint that, started as root with `redis-server`, chowns what in `/data` redis does not own, drops to redis
(setpriv here, gosu in the official image) and sets umask 0077; `redis-server` and `redis-cli` on PATH, and `sh` and
`grep` (busybox) for the healthcheck. The binaries are the host's Debian Redis 7 (`redis-server`, `redis-cli`) with
every shared library `ldd` names, util-linux `setpriv`, and busybox-static. `import_standin()` imports it with
`docker import` (the Docker SDK's `import_image_from_data`) under a tag of this test session's own.

What differs from the real image, and why it does not matter to what the tests prove: the Redis version (Debian's 7.0
versus 7.2: RDB v10 versus v11; no command or config the program uses differs), glibc instead of musl, and protected
mode compiled on (the program's redis.conf sets `protected-mode` explicitly, so the compiled default never applies).
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path

REDIS_UID, REDIS_GID = 999, 1000
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
INSTALL_HINT = ("the stand-in image needs redis-server 7 and redis-cli (Debian: redis-server, redis-tools), busybox "
                "(busybox-static) and setpriv (util-linux): run `make test`, which installs them with apt")

# Our own entrypoint, written to the official image's contract (not its text): same argument rewriting, same drop.
ENTRYPOINT = """#!/bin/sh
# Stand-in for the official redis image's docker-entrypoint.sh (profwise-redis tests).
set -e
# Options or a .conf file as the first argument mean "run redis-server with them".
case "$1" in
  -*|*.conf) set -- redis-server "$@" ;;
esac
# Started as root to run the server: hand /data to redis, then re-run this script as redis.
if [ "$1" = redis-server ] && [ "$(id -u)" = 0 ]; then
  find . ! -user redis -exec chown redis '{}' +
  exec /usr/bin/setpriv --reuid="$(id -u redis)" --regid="$(id -g redis)" --clear-groups "$0" "$@"
fi
# Files Redis creates (RDB, AOF) readable by redis alone, unless the caller chose a umask already.
if [ "$(umask)" = 0022 ]; then
  umask 0077
fi
exec "$@"
"""
PASSWD = "root:x:0:0:root:/root:/bin/sh\nredis:x:999:1000:redis:/home/redis:/sbin/nologin\n"
GROUP = "root:x:0:\nredis:x:1000:redis\n"
_LDD_PATH = re.compile(r"(/\S+) \(0x[0-9a-f]+\)$")


@dataclass(frozen=True)
class StandIn:
    """What the tests ran and where it came from (printed in the test summary)."""
    image_id: str
    tag: str
    redis_version: str
    sources: dict[str, str]  # path in the image -> host file it was copied from

    def describe(self) -> str:
        return (f"stand-in {self.tag} ({self.image_id[:19]}), built offline from this machine's redis-server "
                f"{self.redis_version} ({self.sources['/usr/local/bin/redis-server']}), busybox and setpriv")


def host_binary(name: str) -> str:
    found = shutil.which(name) or next((p for p in (f"/usr/sbin/{name}", f"/sbin/{name}") if Path(p).exists()), None)
    if not found:
        raise RuntimeError(f"{name} not found: {INSTALL_HINT}")
    return found


def shared_libraries(binary: str) -> list[str]:
    """Every library `ldd` resolves for `binary`, the dynamic loader included, as the paths the binary asks for."""
    done = subprocess.run(["ldd", binary], capture_output=True, text=True, check=False)
    if done.returncode != 0:  # a static binary: "not a dynamic executable"
        return []
    found = [m.group(1) for m in (_LDD_PATH.search(line.strip()) for line in done.stdout.splitlines()) if m]
    missing = [line.strip() for line in done.stdout.splitlines() if "not found" in line]
    if missing:
        raise RuntimeError(f"{binary} needs libraries this machine lacks: {missing}")
    return found


def redis_version(server: str) -> str:
    out = subprocess.run([server, "--version"], capture_output=True, text=True, check=True).stdout
    version = re.search(r"v=(\d+)\.(\d+)\.(\d+)", out)
    if not version or int(version.group(1)) < 7:
        raise RuntimeError(f"{server} is not Redis 7+ ({out.strip()!r}): {INSTALL_HINT}")
    return ".".join(version.groups())


def _add(tar: tarfile.TarFile, name: str, *, data: bytes | None = None, mode: int = 0o755, uid: int = 0,
         gid: int = 0, kind: bytes = tarfile.REGTYPE, link: str = "") -> None:
    info = tarfile.TarInfo(name.lstrip("/"))
    info.type, info.mode, info.uid, info.gid, info.mtime, info.linkname = kind, mode, uid, gid, time.time(), link
    if data is not None:
        info.size = len(data)
    tar.addfile(info, io.BytesIO(data) if data is not None else None)


def rootfs_tar() -> tuple[bytes, dict[str, str], str]:
    """(tar bytes, {image path: host source}, redis version) of the stand-in's root filesystem."""
    server = host_binary("redis-server")
    version = redis_version(server)
    # Copied, not linked: Debian's redis-server is a symlink to redis-check-rdb, and Redis picks its role by argv[0].
    files = {"/usr/local/bin/redis-server": server, "/usr/local/bin/redis-cli": host_binary("redis-cli"),
             "/usr/bin/setpriv": host_binary("setpriv"), "/bin/busybox": host_binary("busybox")}
    for binary in list(files.values()):
        files.update({lib: lib for lib in shared_libraries(binary)})
    applets = subprocess.run([files["/bin/busybox"], "--list"], capture_output=True, text=True,
                             check=True).stdout.split()
    if not {"sh", "grep", "find", "chown", "id", "stat", "cat"} <= set(applets):
        raise RuntimeError(f"{files['/bin/busybox']} lacks applets the image needs: {INSTALL_HINT}")
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        dirs = {str(p) for path in files for p in Path(path).parents if str(p) != "/"}
        dirs |= {"/etc", "/root", "/home/redis", "/usr/local/sbin", "/sbin", "/proc", "/sys", "/dev", "/run"}
        for directory in sorted(dirs):
            _add(tar, directory, kind=tarfile.DIRTYPE, mode=0o700 if directory == "/root" else 0o755)
        _add(tar, "/tmp", kind=tarfile.DIRTYPE, mode=0o1777)
        _add(tar, "/data", kind=tarfile.DIRTYPE, uid=REDIS_UID, gid=REDIS_GID)
        for target, source in sorted(files.items()):
            _add(tar, target, data=Path(source).read_bytes(), mode=0o755)
        # busybox's setpriv lacks --reuid: the entrypoint calls util-linux's by its path (busybox's sh prefers its
        # own applets to PATH lookups).
        for applet in applets:
            if applet != "setpriv" and f"/bin/{applet}" not in files:
                _add(tar, f"/bin/{applet}", kind=tarfile.SYMTYPE, link="busybox", mode=0o777)
        _add(tar, "/usr/local/bin/docker-entrypoint.sh", data=ENTRYPOINT.encode())
        _add(tar, "/etc/passwd", data=PASSWD.encode(), mode=0o644)
        _add(tar, "/etc/group", data=GROUP.encode(), mode=0o644)
    return buffer.getvalue(), files, version


def image_changes(session_label: tuple[str, str]) -> list[str]:
    """The official image's config, as `docker import --change` instructions, plus this session's label."""
    return [f"ENV PATH={PATH}", "VOLUME /data", "WORKDIR /data", 'ENTRYPOINT ["docker-entrypoint.sh"]',
            "EXPOSE 6379/tcp", 'CMD ["redis-server"]', f"LABEL {session_label[0]}={session_label[1]}"]


def import_standin(client, tag: str, session_label: tuple[str, str]) -> StandIn:  # noqa: ANN001 — docker.DockerClient
    data, sources, version = rootfs_tar()
    repository, _, name = tag.rpartition(":")
    client.api.import_image_from_data(data, repository=repository, tag=name, changes=image_changes(session_label))
    return StandIn(client.images.get(tag).id, tag, version, sources)
