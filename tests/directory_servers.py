"""Real directory servers on loopback for the tests: OpenLDAP's slapd (from Debian) started in the
foreground from a configuration this module writes, with a small city directory of people and
groups (nested ones included), plain LDAP, StartTLS and LDAPS with a certificate made here; and
a real OpenID Connect provider (oidc-provider-mock: Authlib's server, with its own sign-in page)
on a thread of the test process.
"""

from __future__ import annotations

import datetime
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from tests.live_app import free_port

SLAPD = "/usr/sbin/slapd"
SLAPADD = "/usr/sbin/slapadd"
SCHEMAS = ("core", "cosine", "inetorgperson", "nis")
BASE = "dc=city,dc=example"
PEOPLE = f"ou=people,{BASE}"
GROUPS = f"ou=groups,{BASE}"
SERVICE_DN = f"cn=qa-app,{BASE}"
SERVICE_PASSWORD = "service-account-secret"
ROOT_DN = f"cn=admin,{BASE}"
ROOT_PASSWORD = "root-secret-of-the-test"

# uid: (name, mail, password, employeeNumber)
PEOPLE_ROWS = {
    "ada": ("Ada Admin", "ada@city.example", "ada-password-1", None),
    "max": ("Max Manager", "max@city.example", "max-password-1", None),
    "mia": ("Mia Marker", "mia@city.example", "mia-password-1", None),
    "lee": ("Lee Leader", "lee@city.example", "lee-password-1", None),
    "ann": ("Ann Agent", "ann@city.example", "ann-password-1", "1001"),
    "bob": ("Bob Agent", "bob@city.example", "bob-password-1", "1002"),
    "nobody": ("No Body", "nobody@city.example", "nobody-password-1", None),
}
# group cn: members (uids or "cn=" of other groups)
GROUP_ROWS = {
    "admins": ["ada"],
    "managers": ["max"],
    "qa-team": ["mia", "uid=vacancy"],  # groupOfNames needs a member when mia leaves
    "contact-centre-leaders": ["lee"],
    "agents": ["cn=agents-north", "cn=agents-south"],  # agents are in through their team's group
    "agents-north": ["ann"],
    "agents-south": ["cn=agents-south-evening"],  # two levels deep
    "agents-south-evening": ["bob"],
    "canteen": ["nobody"],  # a group that gives no role
}
GROUP_ROLES = {
    "admins": "admin",
    "managers": "manager",
    "qa-team": "qa",
    "contact-centre-leaders": "team_leader",
    "agents": "agent",
}


def group_dn(cn: str) -> str:
    return f"cn={cn},{GROUPS}"


def person_dn(uid: str) -> str:
    return f"uid={uid},{PEOPLE}"


def group_roles_setting() -> str:
    """QA_LDAP_GROUP_ROLES for this directory."""
    return "; ".join(f"{group_dn(cn)}={role}" for cn, role in GROUP_ROLES.items())


def _member(value: str) -> str:
    if value.startswith("uid="):
        return f"{value},{PEOPLE}"  # someone not in the directory (a vacancy)
    return f"{value},{GROUPS}" if value.startswith("cn=") else person_dn(value)


def _ldif() -> str:
    parts = [
        f"dn: {BASE}\nobjectClass: top\nobjectClass: dcObject\nobjectClass: organization\no: City\ndc: city\n",
        f"dn: {PEOPLE}\nobjectClass: organizationalUnit\nou: people\n",
        f"dn: {GROUPS}\nobjectClass: organizationalUnit\nou: groups\n",
        f"dn: {SERVICE_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: qa-app\n"
        f"userPassword: {SERVICE_PASSWORD}\n",
    ]
    for uid, (name, mail, password, staff) in PEOPLE_ROWS.items():
        given, _, family = name.partition(" ")
        entry = (
            f"dn: {person_dn(uid)}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {name}\nsn: {family}\n"
            f"givenName: {given}\ndisplayName: {name}\nmail: {mail}\nuserPassword: {password}\n"
        )
        if staff:
            entry += f"employeeNumber: {staff}\n"
        parts.append(entry)
    for cn, members in GROUP_ROWS.items():
        lines = "".join(f"member: {_member(m)}\n" for m in members)
        parts.append(f"dn: {group_dn(cn)}\nobjectClass: groupOfNames\ncn: {cn}\n{lines}")
    return "\n".join(parts)


def make_certificate(folder: Path) -> tuple[Path, Path, Path]:
    """A CA and a server certificate for 127.0.0.1 and localhost: (ca, cert, key) PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "City test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True
        )  # digital signature, cert and CRL signing
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    import ipaddress

    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_path, cert_path, key_path = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
        )
    )
    key_path.chmod(0o600)
    return ca_path, cert_path, key_path


class Slapd:
    """OpenLDAP on 127.0.0.1 (plain and StartTLS on `.port`, LDAPS on `.ldaps_port`), from a
    slapd.conf written into a fresh folder and the directory above loaded with slapadd.
    `.settings()` are the QA_LDAP_* settings for it; `.modify(...)` changes it as its root."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="qa-slapd-"))
        self.port = free_port()
        self.ldaps_port = free_port()
        self.url = f"ldap://127.0.0.1:{self.port}"
        self.ldaps_url = f"ldaps://127.0.0.1:{self.ldaps_port}"
        self.process: subprocess.Popen | None = None
        (self.dir / "data").mkdir()
        self.ca, cert, key = make_certificate(self.dir)
        schema = "".join(f"include /etc/ldap/schema/{name}.schema\n" for name in SCHEMAS)
        self.config = self.dir / "slapd.conf"
        self.config.write_text(
            f"""{schema}
pidfile {self.dir}/slapd.pid
argsfile {self.dir}/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
TLSCACertificateFile {self.ca}
TLSCertificateFile {cert}
TLSCertificateKeyFile {key}

database mdb
maxsize 10485760
suffix "{BASE}"
rootdn "{ROOT_DN}"
rootpw {ROOT_PASSWORD}
directory {self.dir}/data
index objectClass eq
index uid,mail eq
index member eq
access to attrs=userPassword
    by self write
    by anonymous auth
    by * none
access to *
    by users read
    by * none
"""
        )
        (self.dir / "directory.ldif").write_text(_ldif())

    def start(self) -> Slapd:
        for program in (SLAPD, SLAPADD):
            if not Path(program).is_file():
                raise AssertionError(
                    f"the directory tests need OpenLDAP at {program} (apt install slapd ldap-utils; scripts/bootstrap does)"
                )
        loaded = subprocess.run(
            [SLAPADD, "-f", str(self.config), "-l", str(self.dir / "directory.ldif")],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if loaded.returncode != 0:
            raise AssertionError(f"slapadd failed:\n{loaded.stderr[-3000:]}")
        self.log_path = self.dir / "slapd.log"
        log = open(self.log_path, "wb")  # noqa: SIM115 - slapd writes to it until stop()
        # In the foreground (-d): this test owns the process and stops it, whatever happens.
        self.process = subprocess.Popen(
            [SLAPD, "-d", "256", "-f", str(self.config), "-h", f"{self.url}/ {self.ldaps_url}/"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"slapd exited with {self.process.returncode}:\n{self.log()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            except OSError:  # not listening yet
                time.sleep(0.05)
                continue
            self._root().unbind()
            return self
        self.stop()
        raise AssertionError("slapd did not answer:\n" + self.log())

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)

    def log(self) -> str:
        path = self.dir / "slapd.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def settings(self, **extra: str) -> dict[str, str]:
        return {
            "QA_LDAP_URL": self.url,
            "QA_LDAP_BIND_DN": SERVICE_DN,
            "QA_LDAP_BIND_PASSWORD": SERVICE_PASSWORD,
            "QA_LDAP_USER_BASE": PEOPLE,
            "QA_LDAP_GROUP_BASE": GROUPS,
            "QA_LDAP_GROUP_ROLES": group_roles_setting(),
            "QA_LDAP_TIMEOUT": "5",
            **extra,
        }

    def _root(self):
        from directory.ldap import Connection, Server  # ldap3, imported without its warnings

        connection = Connection(Server(self.url, connect_timeout=2), user=ROOT_DN, password=ROOT_PASSWORD)
        if not connection.bind():
            raise ConnectionError(connection.result)
        return connection

    def remove_member(self, group: str, member: str) -> None:
        from ldap3 import MODIFY_DELETE

        connection = self._root()
        try:
            assert connection.modify(group_dn(group), {"member": [(MODIFY_DELETE, [_member(member)])]}), (
                connection.result
            )
        finally:
            connection.unbind()

    def delete_person(self, uid: str) -> None:
        connection = self._root()
        try:
            assert connection.delete(person_dn(uid)), connection.result
        finally:
            connection.unbind()


# What the provider's own use of Authlib warns about, on its thread, at every sign-in: for the
# `filterwarnings` mark of the tests that use it.
PROVIDER_WARNINGS = "ignore:get_jwt_config:DeprecationWarning"


class OidcProvider:
    """oidc-provider-mock on 127.0.0.1, on a thread of the test process: `.issuer` for
    QA_OIDC_ISSUER, `.set_user(sub, claims)` puts a person (their claims: email, name, groups,
    staff_number...) at the provider, `.sign_in(client, url)` goes through its sign-in page
    without a browser. Any client id is accepted; its ID tokens live `token_seconds`."""

    def __init__(self, token_seconds: int = 3600) -> None:
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.token_seconds = token_seconds
        self.server = None
        self.thread: threading.Thread | None = None

    def start(self) -> OidcProvider:
        import logging
        import warnings

        import authlib.deprecate  # noqa: F401 - its "always" filter first, so that ours below wins
        import werkzeug.serving

        with warnings.catch_warnings():  # the provider uses Authlib's older interfaces
            warnings.simplefilter("ignore")
            from oidc_provider_mock import app

        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        logging.getLogger("oidc_provider_mock").setLevel(logging.ERROR)
        self.app = app(require_nonce=True, access_token_max_age=datetime.timedelta(seconds=self.token_seconds))
        self.server = werkzeug.serving.make_server("127.0.0.1", self.port, self.app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.issuer}/.well-known/openid-configuration", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.05)
        raise AssertionError("the OpenID Connect provider did not answer")

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(5)
            self.server = None

    def settings(self, client_id: str = "qa-app", **extra: str) -> dict[str, str]:
        return {
            "QA_OIDC_ISSUER": self.issuer,
            "QA_OIDC_CLIENT_ID": client_id,
            "QA_OIDC_CLIENT_SECRET": "qa-app-secret",
            "QA_OIDC_ROLES": "groups: qa-team -> qa; groups: contact-centre-leaders -> team_leader; "
            "groups: contact-centre-agents -> agent; groups: it-admins -> admin",
            "QA_OIDC_BUTTON": "Sign in with City account",
            **extra,
        }

    def set_user(self, sub: str, **claims: Any) -> None:
        answer = httpx.put(f"{self.issuer}/users/{sub}", json=claims, timeout=5)
        assert answer.status_code == 204, answer.text

    def jwks(self) -> dict[str, Any]:
        return httpx.get(f"{self.issuer}/jwks", timeout=5).json()

    def authorize(self, authorization_url: str, sub: str) -> str:
        """The provider's sign-in page, answered as `sub`: returns the callback URL it redirects to."""
        page = httpx.get(authorization_url, timeout=5)
        assert page.status_code == 200, page.text[:500]
        answer = httpx.post(authorization_url, data={"sub": sub}, timeout=5)
        assert answer.status_code in (302, 303), answer.text[:500]
        return answer.headers["location"]


def env_for(settings: dict[str, str]) -> dict[str, str]:
    """The settings as a process environment would hold them (for `monkeypatch.setenv`)."""
    return {key: str(value) for key, value in settings.items()}


def clear_directory_env() -> None:
    for key in [k for k in os.environ if k.startswith(("QA_OIDC_", "QA_LDAP_"))]:
        del os.environ[key]
