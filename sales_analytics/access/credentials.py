"""Per-person credentials: a random token shown once, stored only as a scrypt hash.

A token reads ``sa1.<key>.<secret>``: ``key`` is a short public id (8 hex
characters) that names the credential in ``parameters/access.yaml``, in
``access list`` and in the access log; ``secret`` is 32 random bytes
(``secrets.token_urlsafe``). The file keeps ``key`` and the scrypt hash of
``secret`` (``hashlib.scrypt``, a fresh 16-byte salt per credential), so a
request needs one hash check, not one per person, and a copy of the file hands
out no token. A token is printed once, by ``access add`` or ``access rotate``,
and never again: elsewhere it is shown as ``sa1.<key>.…``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

__all__ = ["Token", "hash_secret", "mask", "new_token", "parse_token", "verify_secret"]

PREFIX = "sa1"
# scrypt cost: n = 2**14, r = 8, p = 1 (16 MiB, ~40 ms): a stolen access.yaml is slow to attack even
# though each secret has 192 random bits; the server checks a token once and then trusts its cookie
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
_TOKEN = re.compile(r"^sa1\.([0-9a-f]{8})\.([A-Za-z0-9_-]{32})$")
_HASH = re.compile(r"^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$")


@dataclass(frozen=True)
class Token:
    """A credential as the person receives it; ``str()`` is the token, ``repr()`` never shows it."""

    key: str
    secret: str

    def __str__(self) -> str:
        return f"{PREFIX}.{self.key}.{self.secret}"

    def __repr__(self) -> str:
        return f"Token(key={self.key!r}, secret=…)"


def new_token() -> Token:
    """A fresh credential: an 8-hex public key and a 32-character secret."""
    return Token(key=secrets.token_hex(4), secret=secrets.token_urlsafe(24))


def parse_token(text: str) -> Token | None:
    """The token in ``text`` (``None`` when it does not have the shape of one)."""
    m = _TOKEN.match(text.strip()) if isinstance(text, str) else None
    return Token(m.group(1), m.group(2)) if m else None


def _scrypt(secret: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(secret.encode(), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024, dklen=32)


def hash_secret(secret: str) -> str:
    """``scrypt$n$r$p$<salt>$<hash>`` (base64) of ``secret`` with a fresh salt."""
    salt = secrets.token_bytes(16)
    digest = _scrypt(secret, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    b64 = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_secret(secret: str, stored: str) -> bool:
    """Whether ``secret`` hashes to ``stored`` (constant-time comparison; a malformed hash is False)."""
    m = _HASH.match(stored or "")
    if not m:
        return False
    n, r, p = (int(m.group(i)) for i in (1, 2, 3))
    if n > 2**17 or r > 16 or p > 4:  # a hand-edited cost must not let the file stall the server
        return False
    try:
        digest = _scrypt(secret, base64.b64decode(m.group(4)), n, r, p)
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(digest, base64.b64decode(m.group(5)))


def mask(key: str) -> str:
    """How a credential is shown after its creation: ``sa1.<key>.…``."""
    return f"{PREFIX}.{key}.…"
