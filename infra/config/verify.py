"""`profwise-redis:verify` — how the post-deploy verification hook runs during `pulumi up`.

The hook (infra/verify/hook.py) checks the Redis endpoint right after it is created or updated and fails the
deployment when a check fails. For the dev stack it connects from the deployer's machine. For prod the data plane is
usually private (a VPC), so by default only the AWS control-plane checks run from the deployer and the data-plane
checks run from inside the VPC with `python -m infra.cli verify`; `fromDeployer: true` runs them from the deployer.
"""

from __future__ import annotations

import ssl

from pydantic import Field, field_validator

from infra.config.models import Number, Section


class VerifySettings(Section):
    """`profwise-redis:verify` — the post-deploy verification hook."""

    enabled: bool = Field(True, description="Verify the endpoint after every create/update of the Redis resource; "
                          "a failed check fails `pulumi up`.")
    from_deployer: bool | None = Field(None, description="Run the data-plane checks (connect, TLS, AUTH, settings, "
                                       "round trip) from the machine running `pulumi up`. Unset: true for docker, "
                                       "false for elasticache (run the CLI inside the VPC instead).")
    timeout: Number = Field(5.0, gt=0, le=120, description="Seconds each network operation of a check may take.")
    wait_seconds: Number = Field(60.0, ge=0, le=900, description="Seconds to keep retrying, with backoff, an endpoint "
                                "that is still starting before the reachability check fails.")
    ca_cert: str | None = Field(None, description="PEM file of a private CA that signed the server's TLS certificate "
                                "(ElastiCache certificates are publicly trusted: leave unset).")

    @field_validator("ca_cert")
    @classmethod
    def _loadable(cls, path: str | None) -> str | None:
        """Loaded now, as the TLS check will load it (ssl.create_default_context): a path that is wrong would
        otherwise fail the deployment only after the Redis resource exists."""
        if path is None:
            return None
        try:
            ssl.create_default_context(cafile=path)
        except (OSError, ValueError) as error:  # ssl.SSLError is an OSError without a useful strerror
            reason = "no PEM certificate in it" if isinstance(error, ssl.SSLError) else \
                getattr(error, "strerror", None) or "not a PEM certificate bundle"
            raise ValueError(f"{path!r} cannot be loaded as a CA bundle ({reason}): give the path of the PEM file "
                             "of the CA that signed the server's certificate, or unset it") from None
        return path

    def data_plane_from_deployer(self, backend_default: bool) -> bool:
        """`fromDeployer`, or when unset the backend's own default (its spec's data_plane_from_deployer)."""
        return self.from_deployer if self.from_deployer is not None else backend_default
