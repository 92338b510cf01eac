"""Byte sizes in the words the tools print, written once: Redis's own units, and MiB figures for people.

A bottom module (stdlib only): the settings model renders maxmemory with `format_size`, the verifier and health
report memory with `human_size` and `mib`, the write guards say how much room a restore or a load test needs.
"""

from __future__ import annotations

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB
SIZE_UNITS = {"b": 1, "kb": KIB, "mb": MIB, "gb": GIB}  # Redis reads mb/gb as binary units


def format_size(n_bytes: int) -> str:
    """Bytes -> the largest exact unit Redis understands (536870912 -> '512mb')."""
    for unit in ("gb", "mb", "kb"):
        if n_bytes % SIZE_UNITS[unit] == 0:
            return f"{n_bytes // SIZE_UNITS[unit]}{unit}"
    return str(n_bytes)


def human_size(n_bytes: int) -> str:
    """Bytes -> one decimal of the largest binary unit it reaches (1.5 GiB, 12.0 MiB, 512 B)."""
    for unit, size in (("GiB", GIB), ("MiB", MIB), ("KiB", KIB)):
        if n_bytes >= size:
            return f"{n_bytes / size:.1f} {unit}"
    return f"{n_bytes} B"


def mib(n_bytes: float, places: int = 1) -> str:
    """Bytes as a number of MiB, without the unit (for "12.3 of 512 MiB")."""
    return f"{n_bytes / MIB:.{places}f}"
