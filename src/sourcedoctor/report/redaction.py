"""Redaction of a whole report before any writer sees it, and ``--redact-hosts`` pseudonyms.

Every writer (JSON, Markdown, HTML, terminal text, bundle) renders :func:`redacted_view`, never the
raw report, so the guarantee lives in one place. The report is walked **by field**, and each field
is treated for what it is (docs/report.md, "What masking touches"):

- structure — JSON keys, codes, check ids, statuses, severities, timings: never rewritten;
- settings (the ``target`` block and the reproduce ``command``): already written without secrets;
  secret-named fields are masked whatever they hold, key material and URL passwords by their shape,
  user and host by field. A setting's value, or a component of a setting's path, quoted anywhere
  else but foreign text is the setting too (the folder in every listed path);
- the tool's own sentences (summaries, details, fix steps, transcript lines, other evidence values):
  a registered secret is masked only where it is not one of the tool's own words, a name only where
  it is not a word of the report's structure (:mod:`.vocabulary`), and the values a
  :class:`~sourcedoctor.sentence.Sentence` quotes are transformed by name (a user, a host, foreign
  text);
- paths: a secret only as a whole path component that is not one of the tool's words, a name as a
  whole path component (``/home/bob/in``);
- foreign text (banners, shell noise, library errors, file samples, tracebacks — the
  :data:`FOREIGN_KEYS`): every registered secret and name is masked as a whole token.

With ``redact_hosts`` on, host names, IP addresses and user names become stable pseudonyms
(``host-1``, ``192.0.2.1``, ``2001:db8::1``, ``user-1``). The mapping is computed from the report
itself in a fixed order, so the same input gets the same pseudonym in every file written from it.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable
from typing import Any

from ..config.secrets import MASK, SECRET_KEYS, Redactor
from ..model import Report
from ..sentence import Sentence
from .vocabulary import is_own_word, structure_words

__all__ = ["FOREIGN_KEYS", "PATH_KEYS", "Pseudonyms", "Redactor", "redact_dict", "redacted_view"]

#: Values under these keys are structure (ids, codes, enumerations, timings): never rewritten.
_STRUCTURAL = frozenset({
    "schema", "verdict", "status", "severity", "code", "id", "check", "blocked_by", "duration_ms",
    "started_at", "interrupted", "audience", "title", "tool", "connector", "profile",
})
#: Evidence and fact keys whose values are text from outside the tool: what servers, shells,
#: libraries and files said. Every registered secret and name is masked there as a whole token.
FOREIGN_KEYS = frozenset({
    "banner", "auth_banner", "pre_auth_banner", "identification", "partial_identification",
    "software", "comment", "comments", "bytes", "text", "noise", "shell_noise", "stderr", "stdout",
    "exit_message", "message", "error", "errors", "client_error", "reader_error", "problem",
    "traceback", "stack", "first_row", "header", "rows", "first_chars", "near", "value", "sample",
    "samples", "columns", "reference_columns", "lines",
    # lines that embed names and comments: "ssh-ed25519 AAAA… bob@laptop", "[host]:2222 ssh-…"
    "authorized_keys_line", "known_hosts_line",
})
#: Evidence, fact and setting keys whose values are paths (or lists of paths): a secret or a name
#: is replaced there only as a whole path component (``/home/bob/in``), never inside a file name.
PATH_KEYS = frozenset({
    "path", "paths", "file", "files", "folder", "reference", "login_directory", "home", "dir",
    "first_files", "entries_seen", "written_to", "resolved", "parent", "preview_path",
    "sample_file", "key_path", "known_hosts", "realpath", "names", "unlistable_subfolders",
})
# A dict key that is a name (field, fact, column): never rewritten. Other keys are data, such as
# "203.0.113.10:22" in a table of connection attempts.
_NAME_KEY = re.compile(r"[A-Za-z_][\w-]*")
#: Evidence/fact/target keys whose string values name a host or a user.
_HOST_KEYS = frozenset({
    "host", "hostname", "host_name", "cname", "cnames", "canonical_name", "chain", "cname_chain",
    "ptr", "server", "server_host", "resolved_host", "qname",
})
_USER_KEYS = frozenset({"user", "username", "user_name", "login", "username_tried"})
# sftp://user@host:port/path in the settings, the command and prose.
_URL = re.compile(
    r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?:(?P<user>[^@/\s]*)@)?(?P<host>\[[^\]\s]*\]|[^:/\s]*)"
    r"(?P<rest>\S*)", re.I)

_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?!\.?\d)")
_IPV6 = re.compile(r"(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])")
# Host names in free text: dotted names ending in a common public or internal top-level label.
# (Bare words and file names are left alone: too many false positives such as check ids.)
_TLDS = (
    "com|net|org|io|co|de|uk|fr|nl|eu|us|ca|au|ch|at|be|it|es|se|no|dk|fi|pl|cz|jp|cn|in|br|ru|"
    "info|biz|cloud|app|dev|tech|online|local|localdomain|internal|intranet|lan|corp|home|private"
)
_FQDN = re.compile(
    rf"(?<![\w.-])(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+(?:{_TLDS})(?![\w-])(?!\.\w)", re.I
)
# Vendor domains inside algorithm and extension names (curve25519-sha256@libssh.org): not hosts.
_VENDOR_DOMAINS = ("openssh.com", "libssh.org", "ssh.com", "lysator.liu.se", "tartarus.org")
# Addresses that identify nobody; left alone unless registered explicitly.
_ANONYMOUS_IPS = frozenset({"127.0.0.1", "::1", "0.0.0.0", "::"})


def _ip(candidate: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if candidate.strip(":") == "":
        return None
    try:
        return ipaddress.ip_address(candidate)
    except ValueError:
        return None


class Pseudonyms:
    """Stable pseudonyms for host names, IPs and user names, numbered in order of first sight."""

    def __init__(self) -> None:
        self.mapping: dict[str, str] = {}
        self._counts = {"host": 0, "user": 0, "ipv4": 0, "ipv6": 0}
        self._hosts_re: re.Pattern[str] | None = None
        self._users_re: re.Pattern[str] | None = None
        self._lookups: tuple[dict[str, str], dict[str, str]] | None = None

    def register(self, kind: str, value: str) -> None:
        """Give ``value`` (a ``host`` or ``user``; IPs are detected) a pseudonym if it has none."""
        value = value.strip().strip("[]")
        if len(value) < 2 or value in self.mapping or value in self.mapping.values():
            return
        addr = _ip(value)
        if addr is not None:
            self._register_ip(value, addr)
            return
        key = kind.lower() if kind in ("host", "user") else "host"
        if key == "host":
            value = value.rstrip(".").lower()
            if value in self.mapping:
                return
        self._counts[key] += 1
        self.mapping[value] = f"{key}-{self._counts[key]}"
        self._hosts_re = self._users_re = None
        self._lookups = None

    def _register_ip(self, text: str, addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
        if text in self.mapping:
            return
        if addr.version == 4:
            self._counts["ipv4"] += 1
            n = self._counts["ipv4"]
            # Documentation range (RFC 5737): readable as an address, routes nowhere.
            self.mapping[text] = f"192.0.2.{n}" if n < 255 else f"ip-{n}"
            self._lookups = None
        else:
            self._counts["ipv6"] += 1
            self.mapping[text] = f"2001:db8::{self._counts['ipv6']:x}"
            self._lookups = None

    def discover_ips(self, text: str) -> None:
        """Register every non-loopback IP literal in ``text``."""
        for rx in (_IPV4, _IPV6):
            for m in rx.finditer(text):
                addr = _ip(m[0])
                if addr is not None and m[0] not in _ANONYMOUS_IPS and m[0] not in self.mapping:
                    if m[0] in self.mapping.values():
                        continue
                    self._register_ip(m[0], addr)

    def discover_hosts(self, text: str) -> None:
        """Register dotted host names found in free text (vendor domains excepted)."""
        for m in _FQDN.finditer(text):
            name = m[0].lower()
            if not name.endswith(_VENDOR_DOMAINS):
                self.register("host", name)

    def _pattern(self, kind: str) -> re.Pattern[str] | None:
        names = [k for k, v in self.mapping.items() if v.startswith(f"{kind}-") and _ip(k) is None]
        if not names:
            return None
        alternation = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        # Whole names only: not part of a longer word or dotted name ("sftp" in "sftp.folder"), and
        # never a URL scheme ("sftp://").
        return re.compile(
            rf"(?<![\w-])(?<!\w\.)(?:{alternation})(?![\w-])(?!\.\w)(?!://)",
            re.I if kind == "host" else 0,
        )

    def text(self, value: str, keep: Callable[[str], bool] | None = None) -> str:
        """``value`` with every registered name and IP replaced by its pseudonym, as whole names;
        names for which ``keep(name)`` holds stay (the tool's own words in its own sentences)."""
        if not self.mapping:
            return value
        if self._lookups is None:  # (re)built after each new name
            self._hosts_re, self._users_re = self._pattern("host"), self._pattern("user")
            self._lookups = ({k: v for k, v in self.mapping.items() if _ip(k) is not None},
                             {k.lower(): v for k, v in self.mapping.items()})
        ips, lower = self._lookups
        out = value
        for rx in (_IPV4, _IPV6):
            if rx.search(out):
                out = rx.sub(lambda m: ips.get(m[0], m[0]), out)

        def swap(m: re.Match[str], table: dict[str, str], key: str) -> str:
            if keep is not None and keep(m[0]):
                return m[0]
            return table.get(key, m[0])

        if self._hosts_re is not None:
            out = self._hosts_re.sub(lambda m: swap(m, lower, m[0].lower()), out)
        if self._users_re is not None:
            out = self._users_re.sub(lambda m: swap(m, self.mapping, m[0]), out)
        return out

    def component(self, part: str) -> str:
        """One path component: its pseudonym when it is a registered name, else itself."""
        if part in self.mapping:
            return self.mapping[part]
        host = self.mapping.get(part.lower())  # host names are registered lower-cased
        return host if host is not None and host.startswith("host-") else part

    def name(self, value: str) -> str:
        """The pseudonym of a value that *is* a host or user name (a field, not prose)."""
        bare = value.strip().strip("[]")
        for candidate in (bare, bare.rstrip(".").lower()):
            if candidate in self.mapping:
                return value.replace(bare, self.mapping[candidate])
        return self.text(value)


def _walk_identities(value: Any, key: str, found: list[tuple[str, str]]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _walk_identities(v, str(k).lower(), found)
    elif isinstance(value, list | tuple):
        for v in value:
            _walk_identities(v, key, found)
    elif isinstance(value, str):
        if key in _HOST_KEYS:
            found.append(("host", value))
        elif key in _USER_KEYS:
            found.append(("user", value))


def _walk_strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _walk_strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _walk_strings(v)


def pseudonyms_for(data: dict[str, Any], redactor: Redactor) -> Pseudonyms:
    """Pseudonyms for one report dict: target first, then registered names, then the rest."""
    names = Pseudonyms()
    target = data.get("target") or {}
    for kind, key in (("host", "host"), ("user", "user")):
        if isinstance(target.get(key), str):
            names.register(kind, target[key])
    for kind, value in redactor.identities:
        names.register(kind, value)
    found: list[tuple[str, str]] = []
    _walk_identities(data, "", found)
    for kind, value in found:
        names.register(kind, value)
    for text in _walk_strings(data):
        names.discover_ips(text)
        names.discover_hosts(text)
    return names


def _always(_: str) -> bool:
    return True


class _Walk:
    """One pass over a report dict, treating each field for what it is (see the module doc)."""

    def __init__(self, redactor: Redactor, names: Pseudonyms | None,
                 structure: Callable[[], frozenset[str]] = frozenset) -> None:
        self.red = redactor
        self.names = names
        self._structure = structure
        self._spared: frozenset[str] | None = None
        #: The run's setting values (the ``target`` block, written without secrets): the same
        #: value quoted elsewhere (the key file as the key layer's ``source``) is that setting.
        self._settings: frozenset[str] = frozenset()
        #: Their path components (the folder in every listed path): the setting's, not a secret.
        self._setting_parts: frozenset[str] = frozenset()

    def _spare_name(self, name: str) -> bool:
        """Is this name the report's structure (a code part, key, id, field or label)? A dotted
        host name never is, even one the tool's docs use as an example."""
        if _FQDN.fullmatch(name) is not None:
            return False
        if self._spared is None:  # computed on the first name found in the tool's text
            self._spared = self._structure()
        return name in self._spared

    def _not_secret(self, word: str) -> bool:
        """Is this word, equal to a registered secret, still not one where the tool writes it? The
        tool's own words are its own, and a setting's words (the folder ``/drop/in`` in every
        listed path) are shown unmasked in the target block: masking them elsewhere would rewrite
        the report and point at the secret."""
        return is_own_word(word) or word in self._setting_parts

    # --- the kinds of text ---------------------------------------------------------------------

    def foreign(self, text: str) -> str:
        """Text from outside the tool: every registered secret and name goes, as a whole token."""
        out = self.red.text(text)
        return self.names.text(out) if self.names else out

    def own(self, text: str) -> str:
        """The tool's own words stay; the values a Sentence quotes are transformed by name."""
        if isinstance(text, Sentence):
            # The template is the tool's and each value is judged by its name, then filled in:
            # a second pass over the filled text would mask a quoted user name that happens to
            # equal the password, in the tool's sentence, though the same name stands unmasked
            # in the settings (and the gap would tell the reader the password).
            return Sentence(self._own_plain(text.template), text.values).refill(self._quoted)
        return self._own_plain(text)

    def _own_plain(self, text: str) -> str:
        out = self.red.text(text, keep=self._not_secret)
        return self.names.text(out, keep=self._spare_name) if self.names else out

    def _quoted(self, name: str, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        return self.field(name, value)

    def identity(self, value: str) -> str:
        """A value that is a host or user name: its pseudonym (with ``redact_hosts``)."""
        return self.names.name(value) if self.names else value

    def path(self, value: str, *, secrets: bool = True) -> str:
        """A path: secrets and names only as whole components, never inside a file name."""
        parts = value.split("/")
        if secrets:  # (a component that is one of the tool's words is the tool's, as in its text)
            needles = self.red.needles
            parts = [MASK if p in needles and not self._not_secret(p) else p for p in parts]
        if self.names:
            parts = [self.names.component(p) for p in parts]
        return "/".join(parts)

    def field(self, key: str, value: str) -> str:
        """A string value judged by the name it is stored under."""
        lowered = key.lower()
        if lowered in FOREIGN_KEYS:
            return self.foreign(value)
        if value in self._settings:
            return self.settled(key, value)
        if lowered in _USER_KEYS or lowered in _HOST_KEYS:
            return self.identity(self.red.shapes(value))
        if lowered in PATH_KEYS:
            return self.path(self.red.shapes(value))
        return self.own(value)

    def settled(self, key: str, value: str) -> str:
        """A value equal to one of the run's settings. Settings hold no secret, and the target
        block shows this value as it is: masking a secret equal to it here would rewrite the
        report and tell the reader the secret. Names still become pseudonyms."""
        lowered = key.lower()
        if "/" in value or lowered in _USER_KEYS or lowered in _HOST_KEYS or lowered in PATH_KEYS:
            return self.setting(key, value)
        out = self.red.shapes(value)
        return self.names.text(out, keep=self._spare_name) if self.names else out

    def setting(self, key: str, value: str) -> str:
        """A value written from the settings, which hold no secret by construction: key material
        and URL passwords are masked by shape; names become pseudonyms by field."""
        out = self.red.shapes(value)
        lowered = key.lower()
        if "://" in out:
            return _URL.sub(self._url, out)
        if lowered in _USER_KEYS or lowered in _HOST_KEYS:
            return self.identity(out)
        if lowered in PATH_KEYS or "/" in out:
            return self.path(out, secrets=False)
        return self.names.text(out, keep=_always) if self.names else out  # IP literals only

    def _url(self, m: re.Match[str]) -> str:
        user = m["user"]
        if user is not None:
            login, colon, rest = user.partition(":")
            user = self.identity(login) + colon + rest + "@"
        host = self.identity(m["host"]) if m["host"] else ""
        rest = m["rest"]
        port, slash, path = rest.partition("/")
        return m["scheme"] + (user or "") + host + port + slash + self.path(path, secrets=False)

    # --- the report's structure ----------------------------------------------------------------

    def report(self, data: dict[str, Any]) -> dict[str, Any]:
        target = data.get("target")
        if isinstance(target, dict):
            self._settings = frozenset(
                v for k, v in target.items()
                if isinstance(v, str) and len(v) >= 3 and str(k).lower() not in SECRET_KEYS)
            self._setting_parts = frozenset(
                p for v in self._settings if "/" in v for p in v.split("/") if len(p) >= 3
            ) | self._settings
        out: dict[str, Any] = {}
        for key, value in data.items():
            if key == "target" and isinstance(value, dict):
                out[key] = {k: self._target_field(str(k), v) for k, v in value.items()}
            elif key == "command" and isinstance(value, str):
                out[key] = self.command(value)
            elif key == "root_cause" and isinstance(value, dict):
                out[key] = self.finding(value)
            elif key == "checks" and isinstance(value, list):
                out[key] = [self.check(c) if isinstance(c, dict) else c for c in value]
            elif key == "extras" and isinstance(value, dict):
                out[key] = {k: self._extra(str(k), v) for k, v in value.items()}
            elif key in _STRUCTURAL:
                out[key] = value
            else:
                out[key] = self.evidence(value, key)
        return out

    def _target_field(self, key: str, value: Any) -> Any:
        if key.lower() in SECRET_KEYS and isinstance(value, str) and value != "set":
            return MASK
        if not isinstance(value, str) or key in _STRUCTURAL:
            return value
        return self.setting(key, value)

    def command(self, text: str) -> str:
        """The reproduce command: program, subcommand, flags and environment-variable names are
        structure; the values are settings (secrets are never in it: they go by variable name)."""
        words = text.split(" ")
        return " ".join(w if i < 2 or w.startswith("-") else self.setting("", w)
                        for i, w in enumerate(words))

    def check(self, data: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in data.items():
            if key == "findings" and isinstance(value, list):
                out[key] = [self.finding(f) if isinstance(f, dict) else f for f in value]
            elif key == "traceback" and isinstance(value, str):
                out[key] = self.foreign(value)
            elif key in _STRUCTURAL:
                out[key] = value
            else:  # facts, and whatever a later schema adds
                out[key] = self.evidence(value, key)
        return out

    def finding(self, data: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in data.items():
            if key in ("summary", "detail") and isinstance(value, str):
                out[key] = self.own(value)
            elif key == "fix" and isinstance(value, list):
                out[key] = [self.own(v) if isinstance(v, str) else v for v in value]
            elif key in _STRUCTURAL:
                out[key] = value
            else:
                out[key] = self.evidence(value, key)
        return out

    def _extra(self, key: str, value: Any) -> Any:
        if key == "transcript" and isinstance(value, list):
            # The tool's log lines: its own words, quoting protocol facts.
            return [self.own(v) if isinstance(v, str) else v for v in value]
        return self.evidence(value, key)

    def evidence(self, value: Any, key: str = "", *, foreign: bool = False) -> Any:
        """Facts and evidence: keys are names (kept); each value is judged by its key, and
        everything under a foreign key is foreign."""
        foreign = foreign or key.lower() in FOREIGN_KEYS
        if isinstance(value, dict):
            return {self._key(str(k)): self._evidence_field(str(k), v, foreign)
                    for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.evidence(v, key, foreign=foreign) for v in value]
        if not isinstance(value, str):
            return value
        return self.foreign(value) if foreign else self.field(key, value)

    def _evidence_field(self, key: str, value: Any, foreign: bool) -> Any:
        if key.lower() in SECRET_KEYS and isinstance(value, str) and value != "set":
            return MASK  # stored under a secret's name: masked whatever it looks like
        if key in _STRUCTURAL and not foreign:
            return value
        return self.evidence(value, key, foreign=foreign)

    def _key(self, key: str) -> str:
        return key if _NAME_KEY.fullmatch(key) else self.own(key)


def redact_dict(data: dict[str, Any], redactor: Redactor) -> dict[str, Any]:
    """A report dict with secrets masked and, with ``redact_hosts``, names pseudonymised."""
    if not getattr(redactor, "redact_hosts", False):
        return _Walk(redactor, None).report(data)
    return _Walk(redactor, pseudonyms_for(data, redactor), lambda: structure_words(data)).report(data)


def redacted_view(report: Report, redactor: Redactor) -> dict[str, Any]:
    """The report as plain data, safe to write anywhere: what every writer renders."""
    return redact_dict(report.to_dict(), redactor)
