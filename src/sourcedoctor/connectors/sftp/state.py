"""What the SFTP checks learn and open, shared along the plan (one connection serves all layers)."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncssh

    from ...preview.model import SampleResult
    from ...sources.base import FileEntry
    from .session import SshSession
    from .source import SftpSource


@dataclass
class ExtraLogin:
    """One of the parallel-read probe's extra connections: ``result`` is "ok" (logged in) or why
    not; ``sftp`` is None with ``sftp_error`` when the SFTP subsystem did not start on it."""

    result: str
    conn: asyncssh.SSHClientConnection | None = None
    sftp: asyncssh.SFTPClient | None = None
    sftp_error: str | None = None


@dataclass
class ParallelLogins:
    """The parallel-logins layer's connections, handed to the files layer when ``done`` is set
    (which happens however that layer ends). ``skipped`` says why there are none."""

    logins: list[ExtraLogin] = field(default_factory=list)
    skipped: str | None = None
    done: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class SftpState:
    """Mutable per-run record. Checks write what they learned; later checks read it."""

    #: Addresses to try, in order (from DNS, or the IP literal).
    addresses: list[str] = field(default_factory=list)
    #: The connected TCP socket the SSH session will run over (first address that answered).
    sock: socket.socket | None = None
    peer: tuple[str, int] | None = None
    #: What the banner check read from the server (identification, maybe the start of KEXINIT).
    preread: bytes = b""
    #: The SSH session driver (wire tap, asyncssh connection task, recorded callbacks).
    session: SshSession | None = None
    #: Loaded private key for the auth layer (set by the key layer; may be converted from PPK).
    client_key: asyncssh.SSHKey | None = None
    #: The key layer's full inspection report (keys.KeyReport), for evidence.
    key_report: Any = None
    #: Set when a key was given but could not be loaded (passphrase missing, corrupt...).
    key_unusable: bool = False
    conn: asyncssh.SSHClientConnection | None = None
    auth_method: str | None = None
    sftp: asyncssh.SFTPClient | None = None
    source: SftpSource | None = None
    #: The folder as the server resolved it (realpath).
    folder: str | None = None
    files: list[FileEntry] = field(default_factory=list)
    #: The head of each file the files layer opened, by path: as much as the sample layer's first
    #: read takes (read for all files at once, so their round trips overlap).
    heads: dict[str, bytes] = field(default_factory=dict)
    #: How many bytes were asked for each head (a shorter head ended at the end of the file).
    head_asked: dict[str, int] = field(default_factory=dict)
    samples: list[SampleResult] = field(default_factory=list)
    #: Extra logins for the parallel-read probe (targets that read in chunks).
    parallel: ParallelLogins = field(default_factory=ParallelLogins)
