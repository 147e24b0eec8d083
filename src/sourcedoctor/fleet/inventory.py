"""The fleet file: many connections in one TOML or CSV file, secrets only by reference.

TOML::

    [defaults]                      # optional, applies to every connection
    target = "aep"
    password_env = "SFTP_PASSWORD"

    [[connection]]
    name = "acme-inbound"
    url = "sftp://acme@sftp.acme.example/inbound"
    host_key_fingerprint = "SHA256:…"

CSV: a header row naming the same keys (``name,url,target,password_env,key,…``), one connection a row.

A secret is never written in the file: ``password_env``/``passphrase_env`` name an environment
variable, ``password_keyring``/``passphrase_keyring`` name a keyring entry (``service/user``), and
``password_prompt``/``passphrase_prompt`` ask once on the terminal — once per distinct label, so
forty connections that share one password prompt once. A literal ``password`` (or a password inside
the URL) is refused with the entry's name.
"""

from __future__ import annotations

import csv
import io
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Options a connection may set (the same meaning as the ``check`` flags of the same name).
PLAIN_KEYS = frozenset({
    "name", "url", "target", "timeout", "folder", "file", "user", "key", "known_hosts",
    "host_key_fingerprint", "resolver", "max_connections", "max_entries",
})
#: Secret references: how a secret is found, never the secret itself.
SECRET_REF_KEYS = frozenset({
    "password_env", "password_keyring", "password_prompt",
    "passphrase_env", "passphrase_keyring", "passphrase_prompt",
})
#: Keys that would hold a secret in clear: refused.
LITERAL_SECRET_KEYS = frozenset({
    "password", "passphrase", "pass_phrase", "privatekeycontent", "key_content", "secret", "token",
})
#: A fleet file bigger than this is refused (thousands of connections fit in far less).
MAX_INVENTORY_BYTES = 8 * 1024 * 1024
MAX_CONNECTIONS = 10_000


class InventoryError(ValueError):
    """The fleet file is malformed; the message names the entry and the field."""


@dataclass(frozen=True)
class SecretRef:
    """Where one secret comes from: ``env`` (a variable), ``keyring`` (service/user) or ``prompt``."""

    kind: str
    ref: str

    def describe(self) -> str:
        return {"env": f"environment variable {self.ref}", "keyring": f"keyring entry {self.ref}",
                "prompt": f"prompt '{self.ref}'"}[self.kind]


@dataclass(frozen=True)
class FleetEntry:
    """One connection of the fleet: its name, URL, plain options and secret references."""

    name: str
    url: str
    options: Mapping[str, Any] = field(default_factory=dict)
    password: SecretRef | None = None
    passphrase: SecretRef | None = None
    line: int = 0

    @property
    def target(self) -> str:
        return str(self.options.get("target", "generic"))


def _secret_ref(entry: Mapping[str, Any], what: str, where: str, default_label: str) -> SecretRef | None:
    refs = [(k, entry[k]) for k in (f"{what}_env", f"{what}_keyring", f"{what}_prompt") if k in entry]
    if len(refs) > 1:
        raise InventoryError(f"{where}: give one of {', '.join(k for k, _ in refs)}, not several")
    if not refs:
        return None
    key, value = refs[0]
    kind = key.rsplit("_", 1)[1]
    if kind == "prompt":
        if value is False or value in ("", "false", "no", "0"):
            return None
        label = default_label if value is True or value in ("true", "yes", "1") else str(value)
        return SecretRef("prompt", label)
    if not isinstance(value, str) or not value.strip():
        raise InventoryError(f"{where}: {key} must name a {'variable' if kind == 'env' else 'service/user'}")
    if kind == "keyring" and "/" not in value:
        raise InventoryError(f"{where}: {key} must be 'service/user', got {value!r}")
    return SecretRef(kind, value.strip())


def _entry(raw: Mapping[str, Any], defaults: Mapping[str, Any], index: int, line: int) -> FleetEntry:
    merged = {**defaults, **{k: v for k, v in raw.items() if v not in (None, "")}}
    name = str(merged.get("name") or f"connection-{index}")
    where = f"connection {name!r}" + (f" (line {line})" if line else "")
    lowered = {str(k).lower(): k for k in merged}
    literal = sorted(k for k in lowered if k in LITERAL_SECRET_KEYS)
    if literal:
        raise InventoryError(f"{where}: {', '.join(literal)} in the file would store a secret in clear; "
                             f"use {literal[0]}_env = \"VAR\", {literal[0]}_keyring or {literal[0]}_prompt")
    unknown = sorted(k for k in lowered if k not in PLAIN_KEYS | SECRET_REF_KEYS)
    if unknown:
        raise InventoryError(f"{where}: unknown key(s) {', '.join(unknown)}; known: "
                             f"{', '.join(sorted(PLAIN_KEYS | SECRET_REF_KEYS))}")
    url = merged.get("url")
    if not isinstance(url, str) or not url.strip():
        raise InventoryError(f"{where}: url is missing")
    _reject_url_password(url, where)
    options = {k: v for k, v in merged.items() if k in PLAIN_KEYS and k not in ("name", "url")}
    for key in ("timeout",):
        if key in options:
            options[key] = _number(options[key], float, where, key)
    for key in ("max_connections", "max_entries"):
        if key in options:
            options[key] = _number(options[key], int, where, key)
    host_label = url.split("://", 1)[-1].split("/", 1)[0]
    return FleetEntry(
        name=name, url=url.strip(), options=options, line=line,
        password=_secret_ref(merged, "password", where, f"password for {host_label}"),
        passphrase=_secret_ref(merged, "passphrase", where, f"passphrase for {merged.get('key', 'the key')}"),
    )


def _number(value: Any, kind: type, where: str, key: str) -> Any:
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise InventoryError(f"{where}: {key} must be a number, got {value!r}") from None
    if number != number or number <= 0:  # NaN or not positive
        raise InventoryError(f"{where}: {key} must be a positive number, got {value!r}")
    return number


def _reject_url_password(url: str, where: str) -> None:
    authority = url.split("://", 1)[-1].split("/", 1)[0]
    userinfo = authority.rpartition("@")[0]
    if ":" in userinfo:
        raise InventoryError(f"{where}: the url carries a password; use password_env = \"VAR\" instead")


def parse_toml(text: str) -> list[FleetEntry]:
    """Entries of a TOML fleet file (``[defaults]`` plus ``[[connection]]`` tables)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InventoryError(f"not valid TOML: {exc}") from None
    unknown = sorted(set(data) - {"defaults", "connection"})
    if unknown:
        raise InventoryError(f"unknown top-level table(s) {', '.join(unknown)}; use [defaults] and "
                             "[[connection]]")
    defaults = data.get("defaults", {})
    rows = data.get("connection", [])
    if not isinstance(defaults, dict) or not isinstance(rows, list):
        raise InventoryError("[defaults] must be a table and [[connection]] an array of tables")
    if "name" in defaults or "url" in defaults:
        raise InventoryError("[defaults] cannot set name or url")
    return _checked([_entry(r, defaults, i + 1, 0) for i, r in enumerate(rows) if isinstance(r, dict)])


def parse_csv(text: str) -> list[FleetEntry]:
    """Entries of a CSV fleet file whose header names the keys."""
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "url" not in [f.strip().lower() for f in reader.fieldnames]:
        raise InventoryError("the CSV header must name a 'url' column (and optionally name, target, …)")
    entries = []
    for index, row in enumerate(reader, start=1):
        if None in row:
            raise InventoryError(f"line {reader.line_num}: more fields than the header names")
        clean = {k.strip().lower(): (v.strip() if isinstance(v, str) else v) for k, v in row.items() if k}
        if not any(clean.values()):
            continue
        entries.append(_entry(clean, {}, index, reader.line_num))
    return _checked(entries)


def _checked(entries: list[FleetEntry]) -> list[FleetEntry]:
    if not entries:
        raise InventoryError("the file lists no connection")
    if len(entries) > MAX_CONNECTIONS:
        raise InventoryError(f"{len(entries)} connections; at most {MAX_CONNECTIONS} per file")
    seen: dict[str, int] = {}
    for entry in entries:
        seen[entry.name] = seen.get(entry.name, 0) + 1
    twice = sorted(n for n, c in seen.items() if c > 1)
    if twice:
        raise InventoryError(f"connection names must be unique; repeated: {', '.join(twice)}")
    return entries


def parse_inventory(text: str, fmt: str) -> list[FleetEntry]:
    """Parse ``text`` as ``toml`` or ``csv``."""
    if "\x00" in text:
        raise InventoryError("the file contains NUL bytes; it is not a TOML or CSV text file")
    return parse_toml(text) if fmt == "toml" else parse_csv(text)


def format_of(path: Path) -> str:
    """``toml`` or ``csv`` from the file name (anything else is refused)."""
    suffix = path.suffix.lower()
    if suffix in (".toml", ".csv"):
        return suffix[1:]
    raise InventoryError(f"{path.name}: name the file .toml or .csv so its format is clear")


def load_inventory(path: Path) -> list[FleetEntry]:
    """Read and parse a fleet file (bounded read; regular files only)."""
    fmt = format_of(path)
    from ..userfiles import read_user_file

    raw = read_user_file(path, "FILE", limit=MAX_INVENTORY_BYTES, what="a fleet file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InventoryError(f"{path.name} is not UTF-8 text; save it as UTF-8") from None
    return parse_inventory(text, fmt)
