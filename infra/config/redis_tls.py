"""The TLS part of a container's `redis.conf`: TLS on Redis's port, no plaintext listener.

Appended after `redis_conf.render(...)`'s text, so the renderer stays one function for every container: Redis reads
its config file top to bottom and a directive given twice takes its last value, so this section's `port 0` closes
the plaintext port the Network section opened (checked with redis-server 7.0: `port 6399` then `port 0` listens
nowhere). Client certificates are not requested (`tls-auth-clients no`: the password authenticates clients; a CA
file is then optional, src/tls.c, but kept so `redis-cli --tls --cacert` in the container has it). Pure.
"""

from __future__ import annotations

from infra.config.redis_conf import CONTAINER_PORT

TLS_DIR = "/usr/local/etc/redis/tls"
CERT_FILE = f"{TLS_DIR}/server.crt"
KEY_FILE = f"{TLS_DIR}/server.key"
CA_FILE = f"{TLS_DIR}/ca.crt"


def render_tls(port: int = CONTAINER_PORT) -> str:
    return "\n".join([
        "",
        "# ---- TLS " + "-" * 100,
        "# TLS only: the plaintext port above is closed (a later directive wins) and TLS listens on the same port.",
        "port 0",
        f"tls-port {port}",
        f"tls-cert-file {CERT_FILE}",
        f"tls-key-file {KEY_FILE}",
        f"tls-ca-cert-file {CA_FILE}",
        "# Clients authenticate with the password, not with certificates.",
        "tls-auth-clients no",
        'tls-protocols "TLSv1.2 TLSv1.3"',
        "tls-prefer-server-ciphers yes",
    ]) + "\n"
