"""What the Docker provider computes for the dev stack under the Pulumi mock engine: the pulled image's id."""

from __future__ import annotations

from typing import Any

OUTPUTS: dict[str, Any] = {
    "docker:index/remoteImage:RemoteImage": {"imageId": "sha256:" + "a" * 64, "repoDigest": "redis@sha256:" + "b" * 64},
}
