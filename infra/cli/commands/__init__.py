"""CLI subcommands: one module per command, each exposing `register(subparsers)`; `infra.cli` lists them."""
