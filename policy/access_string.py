"""Does an ACL access string deny a command? Rules applied left to right, as Redis applies them (ACL SETUSER).

Standard library only (the policy pack runs in its own virtualenv); the ElastiCache control-plane check uses it too,
on the access strings DescribeUsers reports. A user starts with no commands; `+@all`/`allcommands` grant everything,
`-@all`/`nocommands`/`reset` take everything away, `+cmd`/`-cmd` set one command, `+cmd|sub` re-grants part of it
(so the command is no longer denied as a whole), `-cmd|sub` denies only a part (not enough). A category rule is
judged from `CATEGORIES` — `COMMAND INFO`'s ACL categories on Redis 7.0.15 (= 7.2, checked) for the commands the
policy and the guide disable; for any other command a `+@category` may grant it, so it is then "not proven denied"
(the pack fails closed), and a `-@category` proves nothing.
"""

from __future__ import annotations

# command -> its ACL categories (a container's: those every subcommand shares, e.g. CONFIG's are all @admin).
CATEGORIES: dict[str, frozenset[str]] = {
    "FLUSHALL": frozenset({"keyspace", "write", "slow", "dangerous"}),
    "FLUSHDB": frozenset({"keyspace", "write", "slow", "dangerous"}),
    "SWAPDB": frozenset({"keyspace", "write", "fast", "dangerous"}),
    "MIGRATE": frozenset({"keyspace", "write", "slow", "dangerous"}),
    "KEYS": frozenset({"keyspace", "read", "slow", "dangerous"}),
    "CONFIG": frozenset({"admin", "slow", "dangerous"}),
    "DEBUG": frozenset({"admin", "slow", "dangerous"}),
    "SHUTDOWN": frozenset({"admin", "slow", "dangerous"}),
    "MONITOR": frozenset({"admin", "slow", "dangerous"}),
}
_GRANT_ALL, _DENY_ALL = {"+@all", "allcommands"}, {"-@all", "nocommands", "reset"}


def denies(access_string: str, command: str) -> bool:
    """True only when the rules provably leave `command` (no subcommand) unavailable to the user."""
    name, categories = command.lower(), CATEGORIES.get(command.upper())
    allowed = False
    for rule in access_string.lower().split():
        if rule in _GRANT_ALL:
            allowed = True
        elif rule in _DENY_ALL:
            allowed = False
        elif rule[:2] in ("+@", "-@"):
            if categories is None:
                allowed = allowed or rule[0] == "+"  # unknown membership: a grant may include it
            elif rule[2:] in categories:
                allowed = rule[0] == "+"
        elif rule[:1] in "+-" and rule[1:].partition("|")[0] == name:
            whole = "|" not in rule
            if rule[0] == "+":
                allowed = True  # the command, or a part of it, granted again
            elif whole:
                allowed = False
    return not allowed


def undenied(access_string: str, commands: list[str] | tuple[str, ...]) -> list[str]:
    """The commands of `commands` that `access_string` does not provably deny, in order."""
    return [command for command in commands if not denies(access_string, command)]
