"""The `azure` backend: Azure Managed Redis (Microsoft.Cache/redisEnterprise), the successor of the retiring Azure
Cache for Redis — a highly available cluster reached only through a private endpoint, TLS on port 10000, the primary
access key as the app's password (docs/azure.md)."""
