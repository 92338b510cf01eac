"""The Redis password / AUTH token: taken from a secret config value, or generated once and kept in state.

`pulumi_random.RandomPassword` stores its result (as a secret) in the stack's state, so the password never changes
between runs unless its inputs change. Whatever the source, the returned Output is marked secret.
"""

from __future__ import annotations

import pulumi
import pulumi_random as random
from pydantic import SecretStr

GENERATED_LENGTH = 40


def password_output(name: str, configured: SecretStr | None, parent: pulumi.Resource,
                    override_special: str | None = None) -> pulumi.Output[str]:
    """`override_special` lists the punctuation allowed in a generated value; None means letters and digits only."""
    if configured is not None:
        return pulumi.Output.secret(configured.get_secret_value())
    generated = random.RandomPassword(
        f"{name}-password",
        length=GENERATED_LENGTH,
        special=override_special is not None,
        override_special=override_special,
        min_lower=2,
        min_upper=2,
        min_numeric=2,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return pulumi.Output.secret(generated.result)
