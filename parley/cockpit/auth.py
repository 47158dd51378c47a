"""Passwords (hashlib.scrypt), signed values for session cookies and sign-in links (HMAC-SHA256), CSRF
tokens.  Standard library only; the secret comes from PARLEY_SECRET_KEY or a file made once."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

SECRET_FILE = Path(__file__).resolve().parents[2] / "var" / "cockpit_secret"
SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}


class Role(str, Enum):
    trainee = "trainee"
    trainer = "trainer"
    lead = "lead"
    admin = "admin"


ACCOUNT_ROLES = (Role.trainer, Role.lead, Role.admin)


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **SCRYPT)
    return "scrypt${n}${r}${p}${salt}${digest}".format(
        **SCRYPT, salt=base64.b64encode(salt).decode(), digest=base64.b64encode(digest).decode())


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), dklen=32, n=int(n), r=int(r), p=int(p))
    return hmac.compare_digest(got, base64.b64decode(digest))


def secret_key() -> bytes:
    value = os.environ.get("PARLEY_SECRET_KEY")
    if value:
        return value.encode()
    if not SECRET_FILE.exists():
        SECRET_FILE.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(SECRET_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return SECRET_FILE.read_text().strip().encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(payload: dict, purpose: str, key: bytes | None = None) -> str:
    """`payload` as a URL-safe string with an HMAC; `purpose` keeps a cookie from passing as a link."""
    body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    mac = hmac.new(key or secret_key(), f"{purpose}.{body}".encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}"


def unsign(token: str, purpose: str, max_age: float, key: bytes | None = None) -> dict | None:
    """The payload if the signature holds and it is younger than `max_age` seconds (its "iat"), else None."""
    try:
        body, mac = token.split(".")
        want = hmac.new(key or secret_key(), f"{purpose}.{body}".encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(want, _unb64(mac)):
            return None
        payload = json.loads(_unb64(body))
    except (ValueError, TypeError):
        return None
    if not isinstance(payload, dict) or time.time() - float(payload.get("iat", 0)) > max_age:
        return None
    return payload


@dataclass(frozen=True)
class Viewer:
    """Who is looking: an account (trainer, lead of `team_id`, admin) or a trainee (`person_id`)."""
    name: str
    role: Role
    team_id: int | None = None
    person_id: int | None = None

    @property
    def sees_everyone(self) -> bool:
        return self.role in (Role.trainer, Role.admin)

    @property
    def is_staff(self) -> bool:
        return self.role != Role.trainee
