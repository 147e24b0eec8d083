"""What the SFTP checks learn and open, shared along the plan (one connection serves all layers)."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncssh

    from ...preview.model import SampleResult
    from ...sources.base import FileEntry
    from ...sources.sftp import SftpSource
    from .session import SshSession


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
    #: First bytes of each file the files layer opened (a small probe), by path.
    heads: dict[str, bytes] = field(default_factory=dict)
    samples: list[SampleResult] = field(default_factory=list)
