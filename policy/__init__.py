"""The CrossGuard policy pack; `policy.rules` is importable from the repository root for the offline check."""
