"""People pseudonymised at the door: a keyed hash (HMAC-SHA256) instead of a name.

An export names officers, staff and cadets. engagerules needs only to tell one person from
another (a cadet's monthly hours), never who they are, so a person's cell is replaced by
`p-` and the first 20 hex digits of HMAC-SHA256(key, name) before anything else sees it:
names never reach events, reports or calendars. Without the key the hash cannot be
reversed by trying names, which an unkeyed hash could not promise for a staff list.

The key is the force's, kept apart from the data: an environment variable, or a file that
is not in the same folder as the exports it pseudonymises. Rotating the key changes every
pseudonym, and so every hashed event id that includes one (docs/check-your-own-exports.md).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path

from engagerules.errors import UsageError
from engagerules.sources.profiles import Profile

__all__ = ["MIN_KEY_BYTES", "load_key", "pseudonym"]

#: The shortest key accepted: 128 bits.
MIN_KEY_BYTES = 16


def pseudonym(key: bytes, name: str) -> str:
    """The stable pseudonym of `name` under `key`.

    Names are compared as people write them inconsistently: Unicode-normalised (NFKC),
    without case, with runs of whitespace as one space, so "PC  Jo Example" and
    "pc jo example" are the same person.
    """
    if not isinstance(key, bytes) or len(key) < MIN_KEY_BYTES:
        msg = f"a pseudonymisation key must be at least {MIN_KEY_BYTES} bytes"
        raise UsageError(msg)
    if not isinstance(name, str):
        msg = f"a name to pseudonymise must be text, not {type(name).__name__}"
        raise UsageError(msg)
    canonical = " ".join(unicodedata.normalize("NFKC", name).casefold().split())
    digest = hmac.new(key, canonical.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"p-{digest[:20]}"


def load_key(
    profile: Profile,
    data: Iterable[str] = (),
    environ: Mapping[str, str] | None = None,
) -> bytes | None:
    """The pseudonymisation key `profile` needs, or None when it maps no person.

    Refuses, with what to do, when a person column is mapped and no key can be found, when
    the key is too short, or when the key file sits in the same folder as an export in
    `data` (a key kept with the data protects nothing).
    """
    if not profile.needs_key:
        return None
    env = os.environ if environ is None else environ
    source = profile.key
    where = f"{profile.path}: maps a person column, so it needs its pseudonymisation key"
    if source is None:  # load_profile refuses this; kept for profiles built by hand
        raise UsageError(f"{where}, and names none ($.pseudonymise)")
    if source.env and env.get(source.env):
        key = env[source.env].encode("utf-8")
        origin = f"${source.env}"
    elif source.file is not None:
        key = _key_file(source.file, data, where, source.env)
        origin = str(source.file)
    else:
        raise UsageError(f"{where}: set the environment variable {source.env}")
    if len(key) < MIN_KEY_BYTES:
        msg = f"{origin}: the pseudonymisation key is shorter than {MIN_KEY_BYTES} bytes"
        raise UsageError(msg)
    return key


def _key_file(file: Path, data: Iterable[str], where: str, env: str | None) -> bytes:
    folders = {Path(d).resolve().parent for d in data if "://" not in d}
    if file.resolve().parent in folders:
        msg = (
            f"{file}: the pseudonymisation key is in the same folder as the data it "
            "protects; keep it apart (see docs/check-your-own-exports.md)"
        )
        raise UsageError(msg)
    try:
        return file.read_bytes().strip()
    except FileNotFoundError:
        also = f" or set {env}" if env else ""
        raise UsageError(f"{where}: no key file {file}{also}") from None
    except OSError as exc:
        raise UsageError(f"{file}: cannot be read: {exc.strerror or exc}") from None
