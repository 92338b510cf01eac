"""Real TLS material for the mock engine: what pulumi-tls would compute, from the inputs the program declares.

The selfhosted backend's mocks (infra/backends/selfhosted/mocks.py) return placeholder PEM text, which is all the
mock-engine tests need. The real-engine tests pass `COMPUTED` here to `run_stack(computed=...)` instead, so the
container is applied with a real ECDSA key, a real CA and a server certificate signed by it, each made from the
registered inputs (curve, subject, SANs, validity, CA flag): a SAN the program forgot is missing from what Redis
serves, and the test that dials `redis` fails. Uses `cryptography` (a dependency of trustme).
"""

from __future__ import annotations

import datetime
import ipaddress
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from infra.tooling.mock_engine import unwrap


def _name(subject: dict[str, Any] | None) -> x509.Name:
    subject = subject or {}
    parts = [x509.NameAttribute(NameOID.COMMON_NAME, subject["commonName"])] if subject.get("commonName") else []
    if subject.get("organization"):
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, subject["organization"]))
    return x509.Name(parts)


def _key(pem: str) -> Any:
    return serialization.load_pem_private_key(pem.encode(), password=None)


def private_key(args: Any) -> dict[str, Any]:
    inputs = unwrap(args.inputs)
    assert inputs["algorithm"] == "ECDSA" and inputs["ecdsaCurve"] == "P256", inputs
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return {"privateKeyPem": pem, "publicKeyPem": public}


def _window(hours: int) -> tuple[datetime.datetime, datetime.datetime]:
    now = datetime.datetime.now(datetime.timezone.utc)
    return now - datetime.timedelta(minutes=5), now + datetime.timedelta(hours=hours)


def self_signed(args: Any) -> dict[str, Any]:
    inputs = unwrap(args.inputs)
    key = _key(inputs["privateKeyPem"])
    start, end = _window(int(inputs["validityPeriodHours"]))
    name = _name(inputs.get("subject"))
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=bool(inputs.get("isCaCertificate")), path_length=None),
                           critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    return {"certPem": cert.public_bytes(serialization.Encoding.PEM).decode(),
            "validityEndTime": end.isoformat().replace("+00:00", "Z")}


def cert_request(args: Any) -> dict[str, Any]:
    inputs = unwrap(args.inputs)
    sans = [x509.DNSName(n) for n in inputs.get("dnsNames") or []] + \
        [x509.IPAddress(ipaddress.ip_address(a)) for a in inputs.get("ipAddresses") or []]
    csr = (x509.CertificateSigningRequestBuilder().subject_name(_name(inputs.get("subject")))
           .add_extension(x509.SubjectAlternativeName(sans), critical=False)
           .sign(_key(inputs["privateKeyPem"]), hashes.SHA256()))
    return {"certRequestPem": csr.public_bytes(serialization.Encoding.PEM).decode()}


def locally_signed(args: Any) -> dict[str, Any]:
    inputs = unwrap(args.inputs)
    csr = x509.load_pem_x509_csr(inputs["certRequestPem"].encode())
    ca = x509.load_pem_x509_certificate(inputs["caCertPem"].encode())
    start, end = _window(int(inputs["validityPeriodHours"]))
    assert "server_auth" in inputs["allowedUses"], inputs["allowedUses"]
    cert = (x509.CertificateBuilder().subject_name(csr.subject).issuer_name(ca.subject).public_key(csr.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end)
            .add_extension(csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value, critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(_key(inputs["caPrivateKeyPem"]), hashes.SHA256()))
    return {"certPem": cert.public_bytes(serialization.Encoding.PEM).decode(),
            "validityEndTime": end.isoformat().replace("+00:00", "Z"), "readyForRenewal": False}


COMPUTED: dict[str, Any] = {
    "tls:index/privateKey:PrivateKey": private_key,
    "tls:index/selfSignedCert:SelfSignedCert": self_signed,
    "tls:index/certRequest:CertRequest": cert_request,
    "tls:index/locallySignedCert:LocallySignedCert": locally_signed,
}
