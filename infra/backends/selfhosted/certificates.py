"""`ServerCertificates`: the private CA and the server certificate Redis serves (pulumi-tls), key material secret.

The CA signs one certificate, for this server's Redis only, with the names clients dial: `redis` (the alias on the
app's network), `localhost` and 127.0.0.1 (the ops tunnel ends there: redis-py checks the name it connected to), and
the configured extra names. Keys are ECDSA P-256 (pulumi-tls's default curve is P-224, which many TLS stacks refuse).

Rotation: `early_renewal_hours` makes a `pulumi up` inside the renewal window replace the certificate (upstream
plan modifier; pulumi/pulumi-tls#39 reports it not firing in older bridges), and `tls.rotation` is a replacement
trigger that renews it whenever its value changes — deterministic, and what docs/server.md tells operators to use.
The container carries the certificate as an upload, which Docker cannot change in place, so a new certificate
replaces the container; the data volume stays.
"""

from __future__ import annotations

import pulumi
import pulumi_tls as tls

from infra.backends.selfhosted.settings import TlsSettings

ALGORITHM, CURVE = "ECDSA", "P256"
# The names the server certificate always carries (clients on the network, the ops tunnel).
DNS_NAMES = ("redis", "localhost")
IP_ADDRESSES = ("127.0.0.1",)
HOURS_PER_DAY = 24


class ServerCertificates(pulumi.ComponentResource):
    def __init__(self, name: str, settings: TlsSettings, stack: str, opts: pulumi.ResourceOptions | None = None):
        super().__init__("profwise:redis:ServerCertificates", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.ca_key = tls.PrivateKey(f"{name}-ca-key", algorithm=ALGORITHM, ecdsa_curve=CURVE, opts=child)
        self.ca = tls.SelfSignedCert(
            f"{name}-ca", private_key_pem=self.ca_key.private_key_pem, is_ca_certificate=True,
            subject=tls.SelfSignedCertSubjectArgs(common_name=f"profwise-redis {stack} CA",
                                                  organization="profwise-redis"),
            validity_period_hours=settings.ca_validity_days * HOURS_PER_DAY,
            allowed_uses=["cert_signing", "crl_signing", "digital_signature"], set_subject_key_id=True, opts=child)
        self.key = tls.PrivateKey(f"{name}-server-key", algorithm=ALGORITHM, ecdsa_curve=CURVE, opts=child)
        self.request = tls.CertRequest(
            f"{name}-server-csr", private_key_pem=self.key.private_key_pem,
            subject=tls.CertRequestSubjectArgs(common_name="redis", organization="profwise-redis"),
            dns_names=[*DNS_NAMES, *settings.dns_names], ip_addresses=[*IP_ADDRESSES, *settings.ip_addresses],
            opts=child)
        self.cert = tls.LocallySignedCert(
            f"{name}-server-cert", cert_request_pem=self.request.cert_request_pem,
            ca_private_key_pem=self.ca_key.private_key_pem, ca_cert_pem=self.ca.cert_pem,
            validity_period_hours=settings.validity_days * HOURS_PER_DAY,
            early_renewal_hours=settings.renew_before_days * HOURS_PER_DAY,
            allowed_uses=["digital_signature", "key_encipherment", "server_auth"],
            opts=pulumi.ResourceOptions(parent=self, replacement_trigger=settings.rotation or None))
        self.ca_pem: pulumi.Output[str] = self.ca.cert_pem
        self.cert_pem: pulumi.Output[str] = self.cert.cert_pem
        # Already secret in pulumi-tls's schema; wrapped again so it stays secret whatever a provider version says.
        self.key_pem: pulumi.Output[str] = pulumi.Output.secret(self.key.private_key_pem)
        self.not_after: pulumi.Output[str] = self.cert.validity_end_time
        self.register_outputs({"ca_pem": self.ca_pem, "cert_pem": self.cert_pem, "not_after": self.not_after})
