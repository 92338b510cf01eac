"""What the providers compute for the server stack under the Pulumi mock engine: the looked-up network, and the TLS
material pulumi-tls would generate (placeholder PEM text: the mock engine never serves it; the real-engine tests pass
real keys and certificates instead, tests/support/tls_mocks.py). Stdlib only."""

from __future__ import annotations

from typing import Any

GET_NETWORK = "docker:index/getNetwork:getNetwork"
MOCK_NETWORK_ID = "net" + "0" * 61


def _pem(kind: str, what: str) -> str:
    return f"-----BEGIN {kind}-----\nMOCK-{what}\n-----END {kind}-----\n"


def _network(args: Any) -> dict[str, Any]:
    return {"id": MOCK_NETWORK_ID, "name": args.args.get("name"), "driver": "bridge", "internal": False,
            "scope": "local", "options": {}, "ipamConfigs": []}


OUTPUTS: dict[str, Any] = {
    GET_NETWORK: _network,
    "tls:index/privateKey:PrivateKey": lambda args: {"privateKeyPem": _pem("PRIVATE KEY", args.name),
                                                     "publicKeyPem": _pem("PUBLIC KEY", args.name)},
    "tls:index/selfSignedCert:SelfSignedCert": {"certPem": _pem("CERTIFICATE", "CA")},
    "tls:index/certRequest:CertRequest": {"certRequestPem": _pem("CERTIFICATE REQUEST", "SERVER")},
    "tls:index/locallySignedCert:LocallySignedCert": {"certPem": _pem("CERTIFICATE", "SERVER"),
                                                      "validityEndTime": "2027-03-01T00:00:00Z",
                                                      "readyForRenewal": False},
}
