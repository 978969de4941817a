"""A real OpenID Provider for the sign-in tests: pyop's `Provider` (on pyoidc) behind a small Flask
app on loopback. pyop does the protocol — it checks the client, the redirect URI and the code,
and issues RS256-signed ID tokens; this module only gives it HTTP endpoints, a sign-in form and
a directory of people.

Tests can make it misbehave the way a broken or hostile provider would (`OpenIdProvider.tamper`):
sign with a key it does not publish, or issue a token for another issuer or audience, or one that
has expired — each re-signed properly so only the one claim is wrong.
"""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from functools import lru_cache
from urllib.parse import urlencode

from flask import Flask, jsonify, redirect, request
from werkzeug.serving import make_server

CLIENT_ID = "uptake-test"
CLIENT_SECRET = "a-client-secret-for-tests"  # nosec B105 - a test provider's secret


@lru_cache(maxsize=2)
def _rsa_key(kid: str):
    from Cryptodome.PublicKey import RSA
    from jwkest.jwk import RSAKey

    return RSAKey(key=RSA.generate(2048), alg="RS256", kid=kid)


class OpenIdProvider:
    """One provider on http://127.0.0.1:<port>; `people` maps an email to that person's claims."""

    def __init__(self):
        self.people: dict[str, dict] = {}
        self.redirect_uris: list[str] = []
        self.sign_in_as: str | None = None  # skip the provider's sign-in form (test-client journeys)
        self.claims_in_id_token = False  # most providers: profile via userinfo; some put it in the token
        self.tamper = None  # callable(claims) -> (claims, key), to misbehave
        self.issuer = ""
        self.provider = None
        self.ca_bundle = ""

    # --- pyop -----------------------------------------------------------------------------------------------
    def _build(self, issuer: str) -> None:
        from pyop.authz_state import AuthorizationState
        from pyop.provider import Provider
        from pyop.subject_identifier import HashBasedSubjectIdentifierFactory
        from pyop.userinfo import Userinfo

        self.issuer = issuer
        configuration = {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/authorize",
            "token_endpoint": f"{issuer}/token",
            "userinfo_endpoint": f"{issuer}/userinfo",
            "jwks_uri": f"{issuer}/jwks",
            "response_types_supported": ["code"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "subject_types_supported": ["public"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            "scopes_supported": ["openid", "email", "profile"],
            "claims_supported": ["sub", "email", "email_verified", "name", "department", "title"],
        }
        clients = {CLIENT_ID: {"client_secret": CLIENT_SECRET, "redirect_uris": self.redirect_uris,
                               "response_types": ["code"], "token_endpoint_auth_method": "client_secret_basic"}}
        self.provider = Provider(_rsa_key("published"), configuration,
                                 AuthorizationState(HashBasedSubjectIdentifierFactory("test-salt")),
                                 clients, Userinfo(self.people), extra_scopes={"profile": ["name", "department",
                                                                                           "title"]})

    def _id_token_extras(self, user_id, client_id):
        return dict(self.people.get(user_id, {})) if self.claims_in_id_token else {}

    def _reissue(self, id_token: str) -> str:
        """Apply `tamper` to a token pyop issued: new claims, signed with the key tamper chooses."""
        from jwkest.jws import factory
        from oic.oic.message import IdToken

        claims = factory(id_token).jwt.payload()
        claims, key = self.tamper(dict(claims))
        return IdToken(**claims).to_jwt([key], "RS256")

    # --- HTTP ----------------------------------------------------------------------------------------------------
    def wsgi(self) -> Flask:
        app = Flask("test-openid-provider")

        @app.get("/.well-known/openid-configuration")
        def discovery():
            return jsonify(self.provider.provider_configuration.to_dict())

        @app.get("/jwks")
        def jwks():
            return jsonify(self.provider.jwks)

        @app.route("/authorize", methods=["GET", "POST"])
        def authorize():
            query = request.args.to_dict()
            request_body = urlencode(query)
            try:
                authn = self.provider.parse_authentication_request(request_body, request.headers)
            except Exception as error:  # pyop refuses: unknown client, unregistered redirect URI, …
                return f"<h1>Sign-in refused</h1><p>{type(error).__name__}</p>", 400
            who = request.form.get("email") if request.method == "POST" else self.sign_in_as
            if not who:
                return ('<!doctype html><title>Example IdP</title><h1>Example identity provider</h1>'
                        '<form method="post"><label>Work email <input name="email" type="email"></label>'
                        '<button>Sign in</button></form>')
            if who not in self.people:
                return "<h1>Unknown user</h1>", 403
            response = self.provider.authorize(authn, who)
            return redirect(response.request(authn["redirect_uri"], False))

        @app.post("/token")
        def token():
            try:
                answer = self.provider.handle_token_request(request.get_data().decode(), request.headers,
                                                            extra_id_token_claims=self._id_token_extras).to_dict()
            except Exception as error:
                return jsonify(error="invalid_grant", error_description=type(error).__name__), 400
            if self.tamper and "id_token" in answer:
                answer["id_token"] = self._reissue(answer["id_token"])
            return jsonify(answer)

        @app.route("/userinfo", methods=["GET", "POST"])
        def userinfo():
            try:
                answer = self.provider.handle_userinfo_request(request.get_data().decode(), request.headers)
            except Exception:
                return jsonify(error="invalid_token"), 401
            return jsonify(answer.to_dict())

        return app


@lru_cache(maxsize=1)
def certificate(folder: str) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1 (pyoidc insists on an https issuer, as the spec does);
    the relying party trusts it through SSO_CA_BUNDLE. Returns (certificate path, key path)."""
    import datetime
    import ipaddress
    from pathlib import Path

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_encipherment=True, key_cert_sign=True,
                                         content_commitment=False, data_encipherment=False, key_agreement=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = Path(folder) / "op-cert.pem", Path(folder) / "op-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


@contextmanager
def running_provider(folder: str):
    """Start a provider on a free loopback port over https (a certificate made in `folder`); yields
    the OpenIdProvider (its `issuer` is its URL, its `ca_bundle` the certificate to trust)."""
    op = OpenIdProvider()
    app = op.wsgi()
    op.ca_bundle, key_path = certificate(folder)
    server = make_server("127.0.0.1", 0, app, threaded=True, ssl_context=(op.ca_bundle, key_path))
    op._build(f"https://127.0.0.1:{server.server_port}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield op
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


# --- ways to misbehave (for OpenIdProvider.tamper) ---------------------------------------------------------
def signed_with_unpublished_key(claims):
    return claims, _rsa_key("unpublished")


def for_issuer(issuer: str):
    return lambda claims: ({**claims, "iss": issuer}, _rsa_key("published"))


def for_audience(audience: str):
    return lambda claims: ({**claims, "aud": audience}, _rsa_key("published"))


def expired(claims):
    now = int(time.time())
    return {**claims, "iat": now - 7200, "exp": now - 3600}, _rsa_key("published")


def with_nonce(nonce: str):
    return lambda claims: ({**claims, "nonce": nonce}, _rsa_key("published"))
