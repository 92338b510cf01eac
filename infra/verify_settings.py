"""`profwise-redis:verify` — how the post-deploy verification hook runs during `pulumi up`.

The hook (infra/verify_hook.py) checks the Redis endpoint right after it is created or updated and fails the
deployment when a check fails. For the dev stack it connects from the deployer's machine. For prod the data plane is
usually private (a VPC), so by default only the AWS control-plane checks run from the deployer and the data-plane
checks run from inside the VPC with `python -m infra.cli verify`; `fromDeployer: true` runs them from the deployer.
"""

from __future__ import annotations

from pydantic import Field

from infra.models import Section


class VerifySettings(Section):
    """`profwise-redis:verify` — the post-deploy verification hook."""

    enabled: bool = Field(True, description="Verify the endpoint after every create/update of the Redis resource; "
                          "a failed check fails `pulumi up`.")
    from_deployer: bool | None = Field(None, description="Run the data-plane checks (connect, TLS, AUTH, settings, "
                                       "round trip) from the machine running `pulumi up`. Unset: true for docker, "
                                       "false for elasticache (run the CLI inside the VPC instead).")
    timeout: float = Field(5.0, gt=0, le=120, description="Seconds each network operation of a check may take.")
    wait_seconds: float = Field(60.0, ge=0, le=900, description="Seconds to keep retrying, with backoff, an endpoint "
                                "that is still starting before the reachability check fails.")
    ca_cert: str | None = Field(None, description="PEM file of a private CA that signed the server's TLS certificate "
                                "(ElastiCache certificates are publicly trusted: leave unset).")

    def data_plane_from_deployer(self, backend: str) -> bool:
        return self.from_deployer if self.from_deployer is not None else backend == "docker"
