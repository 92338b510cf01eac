"""Shared test helpers (fixtures stay in tests/conftest.py): servers, engines, stacks, CLI runs."""
