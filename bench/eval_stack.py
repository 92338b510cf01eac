"""`python -m bench.eval_stack STACK`: evaluate one stack's real program under Pulumi's mock engine, then exit.

The bench times this whole process against a bare `import pulumi, pulumi_aws, pulumi_docker`, so it imports only
what the offline engine needs (no redis, no bench helpers). The shipped Pulumi.prod.yaml carries placeholder ids that
the program refuses; like `check`, this stands them in with valid ids (which VPC does not change the work done).
Exit 0 when the program ran; 3 with the program's error on stderr when the stack cannot be evaluated.
"""

from __future__ import annotations

import sys


def class_paths(types: list[str]) -> list[str]:
    """`aws:ec2/securityGroup:SecurityGroup` -> `pulumi_aws.ec2.SecurityGroup` (the SDK class that registers it);
    a package token's dashes are underscores in its module (`azure-native` -> `pulumi_azure_native`)."""
    paths = []
    for token in sorted(set(types)):
        package, module, name = token.split(":")
        if package not in ("profwise", "pulumi"):  # components and providers have no SDK class of their own
            area = module.split("/")[0]
            paths.append(f"pulumi_{package.replace('-', '_')}" + ("" if area == "index" else f".{area}") + f".{name}")
    return paths


def main(stack: str, list_classes: bool = False) -> int:
    from infra.cli.commands.check import placeholder_standins
    from infra.tooling.mock_engine import run_stack

    try:
        run = run_stack(stack, overrides=placeholder_standins(stack)[0])
    except Exception as error:  # noqa: BLE001 — any failure means "not evaluable"; say why in one line
        message = " ".join(str(error).split()) or type(error).__name__
        print(f"{type(error).__name__}: {message}", file=sys.stderr)
        return 3
    if list_classes:
        print("\n".join(class_paths([r.type for r in run.resources])))
    else:
        print(f"{stack}: {len(run.resources)} resources, {len(run.outputs)} outputs")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], list_classes="--classes" in sys.argv[2:]))
