"""A fake Entra ID (login) over HTTPS on 127.0.0.1, for a ``vpbot serve`` *subprocess*.

msal insists on an https authority and does OIDC discovery in its constructor. In-process
tests give it a fake ``http_client`` (:class:`tests.support.teams_fakes.FakeMsalHttp`); a
subprocess cannot be handed an object, so this server speaks real TLS with a throw-away
certificate for 127.0.0.1, and the subprocess trusts it through ``REQUESTS_CA_BUNDLE``
(msal's default client is a ``requests.Session``, which reads that variable).

    with FakeEntra(tmp_path) as entra:
        env = {**entra.env(), "VPBOT_TEAMS_LOGIN_URL": entra.login_url, ...}

It answers OIDC discovery and the token endpoint like :class:`FakeMsalHttp` and records
every request (``calls``), so a test can count the tokens vpbot asked for.
"""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import uuid
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.support.http_fakes import RecordedCall, Reply
from tests.support.teams_fakes import _QuickServer

TOKEN_PATH = "/oauth2/v2.0/token"
DISCOVERY_PATH = "/v2.0/.well-known/openid-configuration"


def write_loopback_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate (its own CA) for 127.0.0.1; (certificate, key) PEM paths."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "vpbot test Entra (127.0.0.1)")])
    now = datetime.datetime.now(datetime.timezone.utc)
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                key_encipherment=False, data_encipherment=False, key_agreement=False,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "entra-cert.pem", directory / "entra-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


class FakeEntra(_QuickServer):
    """OIDC discovery and client-credential tokens for any tenant, over TLS."""

    def __init__(self, directory: Path, expires_in: int = 3600) -> None:
        super().__init__()
        self.expires_in = expires_in
        self.issued: list[str] = []
        self.cert_path, key_path = write_loopback_certificate(directory)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_path, key_path)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)

    @property
    def login_url(self) -> str:
        """The ``VPBOT_TEAMS_LOGIN_URL`` (no trailing slash)."""
        host, port = self.server.server_address[:2]
        return f"https://{host}:{port}"

    def env(self) -> dict[str, str]:
        """Environment for the subprocess: trust this server's certificate, no proxies."""
        return {"REQUESTS_CA_BUNDLE": str(self.cert_path), "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}

    def token_requests(self) -> list[RecordedCall]:
        return [c for c in self.calls if c.method == "POST" and c.path.endswith(TOKEN_PATH)]

    def respond(self, call: RecordedCall) -> Reply:
        path = call.path.split("?")[0]
        tenant = path.split("/")[1] if path.count("/") > 1 else ""
        base = f"{self.login_url}/{tenant}"
        if call.method == "GET" and path == f"/{tenant}{DISCOVERY_PATH}":
            return Reply(200, {
                "issuer": f"{base}/v2.0",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "token_endpoint": f"{base}{TOKEN_PATH}",
            })
        if call.method == "POST" and path == f"/{tenant}{TOKEN_PATH}":
            token = f"fake-bot-token-{len(self.issued) + 1}-{uuid.uuid4().hex[:12]}"
            self.issued.append(token)
            return Reply(200, {"token_type": "Bearer", "expires_in": self.expires_in, "access_token": token})
        return Reply(404, {"error": "not_found"})
