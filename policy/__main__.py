"""The profwise-redis CrossGuard pack: one mandatory ResourceValidationPolicy per rule in `rules.py`.

Pulumi runs this file with `python -m pulumi.policy <engine> .` from the pack directory (the CLI's
pulumi-analyzer-policy-python), so `rules` imports as a top-level module here; the offline `infra.cli check`
imports the same file as `policy.rules`. The validation callbacks only adapt arguments: `args.props` is
pulumi_policy's unknown-checking proxy, so reading a value that is unknown during a preview raises
UnknownValueError, which pulumi_policy reports as an advisory "can't run policy during preview" note, never a
violation.
"""

from pulumi_policy import EnforcementLevel, PolicyPack, ReportViolation, ResourceValidationArgs, \
    ResourceValidationPolicy

from rules import RULES, Rule


def _validate(rule: Rule):
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        for message in rule.violations(args.resource_type, args.props):
            report_violation(message, None)
    return validate


PolicyPack(
    name="profwise-redis",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[ResourceValidationPolicy(name=rule.name, description=f"{rule.description} [{rule.controls}]",
                                       validate=_validate(rule), enforcement_level=EnforcementLevel.MANDATORY)
              for rule in RULES],
)
