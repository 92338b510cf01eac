"""The `digitalocean` backend: a DigitalOcean Managed Valkey cluster (DigitalOcean's Redis-compatible successor to
its Managed Redis, whose creates stopped on 2025-04-30), in the backend's VPC, behind its firewall, TLS only.

This file must stay cheap to import (the registry imports it on every start-up): no pydantic, no provider.
"""
