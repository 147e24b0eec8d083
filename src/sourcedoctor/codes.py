"""The finding-code catalogue: every code sourcedoctor can report, as data.

Codes are a public contract (JSON reports, docs and scripts depend on them); never rename one.
Each entry says what the code means (``explanation`` doubles as the code's docstring in the generated
``docs/codes.md``), who has to act (``audience``) and a generic fix. Checks fill in the concrete fix
with the values they observed (``CodeInfo.fix_steps(**values)``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .model import Evidence, Finding, Severity
from .sentence import Sentence

# Who must act on a finding. Shown next to each fix so a support engineer knows whom to ask.
USER = "you (the person setting up the connection)"
SERVER_ADMIN = "the SFTP server's administrator"
NETWORK = "the network / firewall team"
KEY_OWNER = "whoever generated the key"
DATA_OWNER = "whoever produces the files"
DNS_ADMIN = "whoever manages the DNS zone"
SOURCEDOCTOR = "the sourcedoctor maintainers"
ENDPOINT_ADMIN = "whoever runs the HTTPS endpoint"
IAM_ADMIN = "the AWS account's IAM administrator"
BUCKET_OWNER = "the bucket owner"
FTP_ADMIN = "the FTP server's administrator"


@dataclass(frozen=True)
class CodeInfo:
    """Catalogue entry for one finding code."""

    code: str
    title: str
    severity: Severity
    explanation: str
    fix: tuple[str, ...]
    audience: str

    @property
    def layer(self) -> str:
        return self.code.split(".", 1)[0]

    def fix_steps(self, **values: Any) -> tuple[str, ...]:
        """The fix template with ``{placeholders}`` filled; unknown ones are left readable.

        Each step is a :class:`~sourcedoctor.sentence.Sentence`, so report writers pseudonymise
        and mask the filled-in values by name without ever rewriting the template's words."""
        return tuple(Sentence(step, values) for step in self.fix)


def _c(
    code: str,
    title: str,
    severity: Severity,
    explanation: str,
    fix: Sequence[str],
    audience: str,
) -> CodeInfo:
    return CodeInfo(code, title, severity, explanation, tuple(fix), audience)


F, W, I, E = Severity.FAIL, Severity.WARN, Severity.INFO, Severity.ERROR  # noqa: E741

_ENTRIES: tuple[CodeInfo, ...] = (
    # --- settings -------------------------------------------------------------------------------
    _c("config.invalid", "The connection settings are malformed", F,
       "A setting is wrong before any network traffic: a host with a scheme, path or spaces in it, a port "
       "outside 1-65535, an empty user name, an unreadable key file. Nothing was sent to the server.",
       ["Correct the field named in the finding ({field}) and run the check again."], USER),
    # --- dns ------------------------------------------------------------------------------------
    _c("dns.nxdomain", "The host name does not exist", F,
       "The resolver answered NXDOMAIN: no such name exists in DNS as that resolver sees it. Often a "
       "typo, an internal-only name, or a record that was never published.",
       ["Check the spelling of {host}.",
        "If the name is internal, publish a public DNS record or use the server's public IP address.",
        "Verify with: dig +short {host} @{resolver}"], DNS_ADMIN),
    _c("dns.no_answer", "The host name has no address records", F,
       "The name exists but has no A or AAAA record (it may only have MX/TXT records, or the CNAME "
       "target has no address).",
       ["Publish an A (IPv4) or AAAA (IPv6) record for {host}.",
        "Verify with: dig {host} A; dig {host} AAAA"], DNS_ADMIN),
    _c("dns.servfail", "The resolver failed to answer", F,
       "The resolver returned SERVFAIL or REFUSED: the zone's authoritative servers are broken, DNSSEC "
       "validation failed, or the resolver refuses to recurse for us.",
       ["Ask the DNS administrator of {host} to check the zone and its DNSSEC signatures.",
        "Try another resolver: sourcedoctor check ... --resolver 1.1.1.1"], DNS_ADMIN),
    _c("dns.cname_loop", "The host name's CNAME records form a loop", F,
       "Following the name's CNAME records leads back to a name already seen (a points to b, b points "
       "to a), so it never reaches an address. Resolvers give up with SERVFAIL or an error; the "
       "resolver is not at fault, the zone is. The evidence lists the chain as answered.",
       ["Fix the CNAME record of the name that points back ({loop_at}): point it at a name with an "
        "A/AAAA record.",
        "Verify with: dig {host} A @{resolver}"], DNS_ADMIN),
    _c("dns.cname_chain_too_long", "The host name's CNAME chain is too long", F,
       "The name is an alias of an alias of an alias…: more CNAME links than resolvers follow (dnspython "
       "stops after 16, many resolvers earlier), so no address is reached. The evidence lists the chain "
       "as answered.",
       ["Point the alias {host} directly at the final name (one CNAME, or an A/AAAA record).",
        "Verify with: dig {host} A @{resolver}"], DNS_ADMIN),
    _c("dns.timeout", "No answer from the resolver in time", F,
       "The resolver did not answer within the time budget: it is unreachable, overloaded, or the "
       "network drops DNS traffic.",
       ["Check that the resolver {resolver} is reachable (UDP and TCP port 53).",
        "Try another resolver with --resolver IP."], NETWORK),
    _c("dns.private_address", "The host resolves to an address a cloud platform cannot reach", W,
       "The name resolves to a private, loopback, link-local or otherwise non-public address. That "
       "works from inside the customer's network but an ingestion platform in the cloud cannot reach it.",
       ["Publish the server on a public address (or through the platform's private connectivity option).",
        "Use the public DNS name or IP in the connection settings."], NETWORK),
    # --- tcp ------------------------------------------------------------------------------------
    _c("tcp.refused", "Nothing listens on that port", F,
       "The host answered the connection attempt with a reset (RST): it is reachable, but no service "
       "listens on this port, or a firewall rejects actively.",
       ["Check the port number ({port}): {usual}.",
        "On the server: ss -ltnp | grep ':{port}'  (is the service listening, on which address?)"],
       SERVER_ADMIN),
    _c("tcp.timeout", "No answer to the connection attempt", F,
       "The SYN got no answer in time: a firewall or allow-list silently drops the traffic, the host is "
       "down, or the address is wrong. From outside this looks the same as a missing allow-list entry "
       "for the platform's IP ranges.",
       ["Allow inbound TCP {port} from the platform's published IP ranges on every firewall in the path.",
        "Confirm the server is up and that {host} is the right address."], NETWORK),
    _c("tcp.unreachable", "No route to the host", F,
       "The network reported that the host or network is unreachable (ICMP unreachable, no route).",
       ["Check routing and that the address {address} is correct and public."], NETWORK),
    # --- ssh banner -----------------------------------------------------------------------------
    _c("ssh.not_ssh", "Something other than SSH answers on the port", F,
       "The service on this port did not send an SSH identification line. The evidence says what "
       "answered (an FTP greeting, an HTTP or TLS server, other bytes): usually the wrong port, or "
       "FTP/FTPS configured where SFTP was meant.",
       ["Use the port where sshd listens (usually 22).",
        "If the server only offers FTP/FTPS, use an FTP connector instead of SFTP."], USER),
    _c("ssh.banner_timeout", "No SSH identification arrived in time", F,
       "TCP connected, but no complete SSH identification line arrived within the time budget "
       "(nothing at all, or only its start: a slow server is late, not something else). A proxy or "
       "tarpit may hold "
       "the connection, or sshd is stuck (e.g. slow reverse DNS with UseDNS yes).",
       ["On the server check sshd's logs and consider 'UseDNS no' in sshd_config.",
        "Check for a load balancer or proxy in front of the port."], SERVER_ADMIN),
    _c("ssh.closed_before_banner", "The server closed the connection before identifying itself", F,
       "TCP connected, then the server closed or reset it before the SSH banner. Typical causes: sshd's "
       "MaxStartups throttling, tcp wrappers (hosts.deny), fail2ban, or an allow-list in sshd.",
       ["On the server check /var/log/auth.log (or journalctl -u ssh) for the refusal reason.",
        "Allow the platform's IP ranges in hosts.allow / AllowUsers / fail2ban ignoreip.",
        "If MaxStartups is low, raise it (e.g. 'MaxStartups 30:30:100')."], SERVER_ADMIN),
    # --- ssh transport --------------------------------------------------------------------------
    _c("ssh.no_common_algorithm", "No algorithm in common with the server", F,
       "Key exchange failed because the server and the client share no key-exchange, host-key, "
       "cipher or MAC algorithm. The evidence lists both offers.",
       ["Enable a modern algorithm on the server, e.g. in sshd_config: "
        "KexAlgorithms +curve25519-sha256 and HostKeyAlgorithms +ssh-ed25519,rsa-sha2-256"],
       SERVER_ADMIN),
    _c("ssh.client_incompatible", "The platform's SSH client cannot negotiate with this server", F,
       "The server's algorithm offer overlaps other SSH clients (OpenSSH, paramiko, asyncssh) but not "
       "the target platform's client in at least one category (key exchange, host key, cipher, MAC): "
       "'it works with sftp from my laptop' while the platform cannot connect. The evidence holds the "
       "matrix per client stack and where each list comes from.",
       ["Enable on the server one algorithm the platform's client supports for each missing category, "
        "e.g. in sshd_config: Ciphers +aes256-ctr, MACs +hmac-sha2-256, KexAlgorithms +curve25519-sha256",
        "Reload sshd and run the check again with --target {target}"], SERVER_ADMIN),
    _c("ssh.protocol_error", "The server broke the SSH protocol during key exchange", F,
       "The server sent an SSH identification, then closed the connection or sent bytes that are "
       "not valid SSH packets before the key exchange could finish. A broken SSH implementation, "
       "a proxy that mangles the stream, or something that only imitates an SSH banner.",
       ["Compare with OpenSSH's own client: ssh -vvv -p {port} {user}@{host}",
        "Check the server's logs, and any proxy or load balancer in front of the port."],
       SERVER_ADMIN),
    _c("ssh.kex_legacy", "The server only offers SHA-1-era key exchange", F,
       "Every key-exchange method the server offers uses SHA-1 or 1024-bit groups "
       "(diffie-hellman-group1-sha1, group14-sha1, group-exchange-sha1). Current OpenSSH clients and "
       "ingestion platforms refuse these, even where this tool could still connect.",
       ["Upgrade the SSH server or enable modern key exchange, e.g. in sshd_config: "
        "KexAlgorithms curve25519-sha256,ecdh-sha2-nistp256,diffie-hellman-group16-sha512"],
       SERVER_ADMIN),
    _c("ssh.hostkey_algorithm_legacy", "The server's host key needs SHA-1 signatures", F,
       "The server only offers the ssh-rsa (SHA-1) or ssh-dss host-key algorithm. Modern clients "
       "refuse SHA-1 signatures.",
       ["Enable rsa-sha2-256/rsa-sha2-512 (any OpenSSH >= 7.2 supports them) or add an ed25519 host key: "
        "ssh-keygen -t ed25519 -f /etc/ssh/ssh_host_ed25519_key -N ''"], SERVER_ADMIN),
    _c("ssh.hostkey_mismatch", "The server's host key differs from the pinned one", F,
       "The key the server presented is not the one recorded for it (known_hosts or the pinned "
       "fingerprint). Either the server was rebuilt or re-keyed, or the connection is intercepted.",
       ["Confirm the server's current fingerprint out of band with its administrator: "
        "ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub",
        "Only then replace the old entry: ssh-keygen -R '{known_hosts_name}'"], SERVER_ADMIN),
    _c("ssh.hostkey_unknown", "No pinned host key yet", W,
       "The server's host key is not in known_hosts and no fingerprint was pinned, so its identity "
       "was not verified. The fingerprints are shown for confirmation out of band.",
       ["Confirm the fingerprint with the server's administrator.",
        "Then pin it: --host-key-fingerprint {fingerprint}  or add to known_hosts: {known_hosts_line}"],
       USER),
    # --- auth -----------------------------------------------------------------------------------
    _c("auth.no_credentials", "Nothing to authenticate with", F,
       "Neither a password nor a private key was given, so no login could be attempted. The evidence "
       "lists the methods the server allows.",
       ["Give a password (--password-env VAR or --password-stdin) or a key (--key FILE)."], USER),
    _c("auth.method_not_offered", "The server does not allow the method we have", F,
       "The credential given uses a method the server does not allow for this user (e.g. a password "
       "where only publickey is allowed).",
       ["Use a credential of an allowed method: {allowed}.",
        "Or enable the method on the server (sshd_config: PasswordAuthentication yes / "
        "PubkeyAuthentication yes) and reload sshd."], SERVER_ADMIN),
    _c("auth.keyboard_interactive_only", "Password login only works through keyboard-interactive", F,
       "The server accepts passwords only through the keyboard-interactive method. The target platform "
       "uses the plain 'password' method, so its login will fail.",
       ["In sshd_config set: KbdInteractiveAuthentication no  and  PasswordAuthentication yes",
        "Reload sshd: systemctl reload ssh"], SERVER_ADMIN),
    _c("auth.password_rejected", "The password was refused", F,
       "The server allows the password method but refused this user/password. An unknown user, a "
       "locked account, a user excluded by AllowUsers/DenyUsers or an expired password look the same.",
       ["Verify the user name ({user}) and reset the password on the server.",
        "Check sshd's log for the reason: journalctl -u ssh | grep {user}"], SERVER_ADMIN),
    _c("auth.key_rejected", "The key was refused", F,
       "The server allows publickey but did not accept this key for this user: the public key is not "
       "in the user's authorized_keys, the file's permissions are too open, or the key type is not "
       "accepted (PubkeyAcceptedAlgorithms).",
       ["Append this line to ~{user}/.ssh/authorized_keys on the server: {authorized_keys_line}",
        "Permissions: chmod 700 ~{user}/.ssh && chmod 600 ~{user}/.ssh/authorized_keys"], SERVER_ADMIN),
    _c("auth.partial_success", "The server demands a second authentication step", F,
       "The first method succeeded but the server requires another one too (AuthenticationMethods with "
       "two methods). The target platform can only authenticate with one method.",
       ["Require a single method for this user on the server, e.g. in a Match block: "
        "AuthenticationMethods publickey  (or password)"], SERVER_ADMIN),
    _c("auth.too_many_failures", "The server cut us off after too many attempts", F,
       "The server disconnected with 'too many authentication failures' (MaxAuthTries), usually because "
       "several keys were offered. Repeated attempts can also trigger fail2ban.",
       ["Offer only the one key meant for this server.",
        "On the server, MaxAuthTries can be raised (default 6)."], SERVER_ADMIN),
    _c("auth.disconnected", "The server closed the connection during login", F,
       "The server ended the connection while authenticating, without the usual 'permission denied' "
       "answer: a per-user limit, a ban (fail2ban, DenyUsers) or a server-side error.",
       ["Check sshd's log on the server for this user and the client's address."], SERVER_ADMIN),
    # --- keys -----------------------------------------------------------------------------------
    _c("key.not_a_key", "This is not a private key", F,
       "The key content is not a private key in any format (e.g. a certificate, a PGP block, random "
       "text, or an empty file).",
       ["Give the private key file (usually ~/.ssh/id_ed25519 or id_rsa, the one without .pub)."],
       KEY_OWNER),
    _c("key.public_not_private", "A public key was given where the private key belongs", F,
       "The content is a public key (an OpenSSH .pub line, an authorized_keys line, an SSH2 public key "
       "or a certificate). The private half is needed to log in; the public half goes on the server.",
       ["Use the private key file (the same name without .pub).",
        "Put this public key into the server user's ~/.ssh/authorized_keys instead."], KEY_OWNER),
    _c("key.ppk_format", "PuTTY .ppk key", F,
       "The key is in PuTTY's PPK format, which OpenSSH and the target platform do not read.",
       ["Convert it: puttygen {key_path} -O private-openssh -o {key_path_stem}",
        "or: sourcedoctor key inspect {key_path} --emit openssh"], KEY_OWNER),
    _c("key.corrupt", "The key is damaged", F,
       "The key looks like a private key but cannot be decoded: truncated, missing its END line, "
       "broken base64, or altered by copy and paste.",
       ["Copy the key file again without editing it (binary-safe transfer).",
        "Check that it ends with the matching -----END ... PRIVATE KEY----- line."], KEY_OWNER),
    _c("key.passphrase_required", "The key is encrypted and no passphrase was given", F,
       "The private key is protected by a passphrase; without it the key cannot be used.",
       ["Give the passphrase with --passphrase-env VAR (the platform's passPhrase field).",
        "Or remove it: ssh-keygen -p -N '' -f {key_path}"], USER),
    _c("key.passphrase_wrong", "The passphrase does not decrypt the key", F,
       "A passphrase was given but it does not decrypt this key.",
       ["Check the passphrase (case, keyboard layout, trailing spaces) and try again."], USER),
    _c("key.unsupported_by_target", "The target platform does not accept this key", F,
       "The key is valid, but its type or file format is not one the selected target platform "
       "accepts (for aep: RSA or DSA in PEM, or rsa/dss/ed25519 in the OpenSSH format).",
       ["Convert or regenerate the key as the finding says, e.g.: ssh-keygen -t rsa -b 4096 -m PEM"],
       KEY_OWNER),
    _c("key.weak", "The key is weak", W,
       "RSA keys shorter than 2048 bits and DSA keys are considered weak and are refused by current "
       "OpenSSH defaults.",
       ["Generate a new key: ssh-keygen -t ed25519  (or ssh-keygen -t rsa -b 4096 -m PEM)"],
       KEY_OWNER),
    _c("key.normalized", "The key needed cleaning up to be read", I,
       "The key content was read after normalising it (CRLF line endings, surrounding quotes or "
       "spaces, literal \\n sequences, base64 wrapping). OpenSSH itself would fail on the original.",
       ["Save the key in its clean form (sourcedoctor key inspect --emit openssh)."], USER),
    _c("key.pem_fallback", "OpenSSH-format RSA key: PEM is the safer form for this target", I,
       "The target accepts RSA keys, and its own sample uses the OpenSSH container, but its docs ask "
       "for traditional PEM (-----BEGIN RSA PRIVATE KEY-----). If the platform refuses the key, a PEM "
       "copy is the fallback.",
       ["Convert a copy: ssh-keygen -p -m PEM -f {key_path}"], KEY_OWNER),
    # --- sftp -----------------------------------------------------------------------------------
    _c("sftp.subsystem_unavailable", "The server refuses the SFTP subsystem", F,
       "Login works, but the server answered the request for the 'sftp' subsystem with a refusal: "
       "sshd_config has no Subsystem line for sftp (OpenSSH logs 'subsystem request for sftp ... "
       "failed, subsystem not found').",
       ["In sshd_config: Subsystem sftp internal-sftp, then reload sshd (systemctl reload ssh)."],
       SERVER_ADMIN),
    _c("sftp.session_closed", "The server ends the session right after login", F,
       "Authentication succeeded, but the server closed the connection, or ended the sftp session "
       "before it spoke SFTP. This is not a missing Subsystem line. Usual causes: a "
       "ChrootDirectory whose path is not root-owned or is writable by group or others (sshd "
       "refuses it only after authentication), a ForceCommand naming a program that does not "
       "exist (exit status 127), or a nologin shell with an external sftp-server. The evidence "
       "says what the client saw (stage, exit status, text) and lists the likely causes in order; "
       "the fix gives the commands that confirm each one on the server.",
       ["Read sshd's log on the server right after the attempt: journalctl -u ssh "
        "--since '-5 min' (or /var/log/auth.log); it names the cause.",
        "Check the effective settings for the user: sshd -T -C user={user} | grep -iE "
        "'^(chrootdirectory|forcecommand|subsystem)'; for a chroot, namei -l DIR must show "
        "owner root and no group/other write on every component."], SERVER_ADMIN),
    _c("sftp.channel_refused", "The server refuses to open a session", F,
       "Login works, but the server refused to open a session channel, and SFTP runs inside one "
       "(OpenSSH: MaxSessions 0 for this user; other servers: a per-user session limit or "
       "permission). The server's reason is in the evidence.",
       ["Check: sshd -T -C user={user} | grep -i maxsessions  (it must be 1 or more); set "
        "MaxSessions globally or in the user's Match block, then reload sshd."], SERVER_ADMIN),
    _c("sftp.shell_noise", "The login shell prints text into the SFTP stream", F,
       "Something in the user's shell start-up files prints text for non-interactive shells. That text "
       "arrives before the SFTP protocol and corrupts it; clients report 'message too long'. The "
       "evidence shows the text.",
       ["Remove the output from the user's ~/.bashrc (or /etc/bash.bashrc, ~/.profile), or guard it: "
        "[ -z \"$PS1\" ] && return",
        "Or use 'Subsystem sftp internal-sftp', which does not run the login shell."], SERVER_ADMIN),
    _c("sftp.concurrency_limited", "The server refuses parallel connections", F,
       "The target opens several connections at once to read files in chunks. The server dropped or "
       "refused some of the parallel connections (MaxStartups, MaxSessions, per-user limits).",
       ["Lower maxConcurrentConnections on the platform to {working} or less.",
        "Or raise the server's limits (sshd_config: MaxStartups, MaxSessions)."], SERVER_ADMIN),
    _c("sftp.range_read_unsupported", "Reads at an offset fail", F,
       "Reading a file at an offset failed, so chunked parallel reads are impossible.",
       ["Set disableChunking to true on the platform (zip files then cannot be decompressed)."], USER),
    # --- path -----------------------------------------------------------------------------------
    _c("path.not_found", "The folder does not exist", F,
       "The folder path does not exist as seen by this user. With a chrooted account, paths start at "
       "the chroot, so the server's real absolute path is not visible.",
       ["Use the path as the SFTP user sees it (try: sftp {user}@{host} then 'pwd' and 'ls').",
        "Use the suggested path from the evidence if one was found."], USER),
    _c("path.not_a_directory", "The folder path names a file", F,
       "The configured folder is a file. The connector needs the folder that contains the files.",
       ["Set the folder to the parent directory ({parent}) and select the file there."], USER),
    _c("path.permission_denied", "The folder cannot be listed", F,
       "The folder exists but this user may not list it.",
       ["On the server: chmod o+rx (or grant the SFTP user's group) on {folder} and every parent."],
       SERVER_ADMIN),
    _c("path.empty", "Nothing to ingest in the folder", F,
       "The folder has no files (after filters), so the dataflow would ingest nothing.",
       ["Put at least one file in the folder, or point the connection at the folder that has them."],
       DATA_OWNER),
    _c("path.naming_violation", "File or folder names break the target's rules", F,
       "Some names contain characters or reserved names the target platform refuses.",
       ["Rename the files listed in the evidence (no \" \\ : | < > * ? or control characters; no "
        "reserved names like CON or NUL; each part <= 255 characters)."], DATA_OWNER),
    _c("file.permission_denied", "A file cannot be opened for reading", F,
       "A file in the folder exists but this user may not read it.",
       ["On the server: chmod o+r (or grant the SFTP user's group) on the files listed."],
       SERVER_ADMIN),
    # --- data -----------------------------------------------------------------------------------
    _c("data.empty_file", "Zero-byte file", F,
       "The file is empty; the platform cannot ingest a zero-byte file.",
       ["Remove empty files from the folder or make the producer skip writing them."], DATA_OWNER),
    _c("data.format_unknown", "Not a supported file format", F,
       "The bytes are not delimited text, JSON or Parquet (compressed or not). The evidence says what "
       "they look like (binary, HTML, PDF, a PGP block...).",
       ["Export the data as CSV, JSON lines or Parquet."], DATA_OWNER),
    _c("data.encoding", "Text encoding the target cannot read", F,
       "The file is not in an encoding the target accepts (e.g. UTF-16, or bytes that do not decode).",
       ["Convert it: iconv -f {encoding} -t UTF-8 {file} > {file}.utf8"], DATA_OWNER),
    _c("data.json_multiline", "JSON is not one object per line", F,
       "The target reads JSON as one object per line; this file has objects spread over several lines "
       "(pretty-printed) or a top-level array.",
       ["Convert it: jq -c '.[]?  // .' {file} > {file}.jsonl"], DATA_OWNER),
    _c("data.json_invalid", "JSON does not parse", F,
       "The file is JSON (by name or look) but does not parse; the evidence gives line and column.",
       ["Fix the producer; check with: jq . {file}"], DATA_OWNER),
    _c("data.csv_ragged", "Rows with the wrong number of fields", F,
       "Some rows have a different number of fields than the header; the evidence lists line numbers "
       "and counts. Usually an unquoted delimiter inside a value.",
       ["Quote values that contain the delimiter, or pick a delimiter that never occurs in the data."],
       DATA_OWNER),
    _c("data.header_missing", "No usable header row", F,
       "The delimited file has no header row (or an empty or duplicate one); the platform needs "
       "column names in the first row.",
       ["Add a header row with unique, non-empty column names."], DATA_OWNER),
    _c("data.compression_unsupported", "Compressed in a way the target cannot read", F,
       "The file is compressed with a method the target cannot decompress (e.g. 7z, xz, rar, zstd), "
       "or the archive is damaged or exceeds safe decompression limits.",
       ["Recompress as gzip (gzip {file}) or zip, or ship the file uncompressed."], DATA_OWNER),
    # --- sample layer additions (preview) -------------------------------------------------------
    _c("file.unreadable", "A file cannot be read", F,
       "The file vanished or changed while it was read, is not a regular file (a FIFO, device or "
       "socket, which would block a reader), is a dangling symbolic link or a link loop, or the read "
       "failed with an I/O error.",
       ["Make the producer write files under a temporary name and rename them when complete.",
        "Remove FIFOs, devices and broken links from the folder: {files}"], DATA_OWNER),
    _c("data.delimiter_multichar", "Columns separated by a multi-character delimiter", F,
       "The target reads delimited files with a single-character column delimiter; this file uses "
       "a delimiter of several characters (e.g. '||').",
       ["Re-export the file with a one-character delimiter (comma, tab, semicolon or pipe)."],
       DATA_OWNER),
    _c("data.schema_mismatch", "Files in the folder differ in format or columns", F,
       "The platform ingests a folder as one dataset, so every file must share one format and one "
       "schema. The evidence names the files that differ from the first one and how.",
       ["Move files with a different layout into their own folder (one dataflow each), or "
        "re-export them with the same columns."], DATA_OWNER),
    # --- archives, as the lake ingests them member by member ---------------------------------
    _c("data.archive_entry_skipped", "Archive entries that are not regular files", W,
       "The archive holds symbolic or hard links, FIFOs or device entries. The lake never follows or "
       "reads them (only regular members are data); the evidence names each with its kind.",
       ["Rebuild the archive from regular files only (tar -h / zip without -y follows links)."],
       DATA_OWNER),
    _c("data.archive_unsafe_name", "Archive member with an unsafe path", F,
       "A member's name is absolute or climbs out of the archive with '..' (e.g. ../../etc/passwd), "
       "the way archives that overwrite files on extraction are built. The lake never writes a "
       "member under its name and skipped this one; the evidence names it.",
       ["Rebuild the archive with relative member names, and check where it came from."],
       DATA_OWNER),
    _c("data.archive_limit", "Archive larger than the lake's bounds", W,
       "The archive has more entries or more decompressed bytes than one batch takes (the bounds "
       "the preview uses); the batch holds the members read up to the bound.",
       ["Split the archive, or ingest its members one by one."], DATA_OWNER),
    # --- tls (every HTTPS-based connector) ------------------------------------------------------
    _c("tls.untrusted", "The endpoint's certificate is not signed by a trusted CA", F,
       "The TLS certificate chain does not lead to a certificate authority this client trusts: a "
       "self-signed certificate, a private (company) CA, or a server that does not send its "
       "intermediate certificates. The evidence has the certificate's subject, issuer and names.",
       ["If the endpoint uses a private CA, trust it for this check with --ca-bundle CA.pem (a cloud "
        "platform trusts public CAs only: the endpoint needs a publicly trusted certificate).",
        "Make the server send the full chain (leaf + intermediates).",
        "Inspect: openssl s_client -connect {host}:{port} -servername {server_hostname} -showcerts"],
       ENDPOINT_ADMIN),
    _c("tls.expired", "The endpoint's certificate has expired (or is not valid yet)", F,
       "The certificate's validity period does not include the current time. Clients refuse it; "
       "the evidence has notBefore/notAfter as the server sent them.",
       ["Renew the certificate on {host} and reload the server.",
        "If it is not valid *yet*, check the clocks of the server and of this machine."],
       ENDPOINT_ADMIN),
    _c("tls.hostname_mismatch", "The certificate does not name the host", F,
       "The certificate is valid but issued for other names than the host the client connects to "
       "(the evidence lists the names it carries). Common with virtual-hosted bucket names that "
       "contain dots, or with an endpoint reached through another name.",
       ["Connect with a name the certificate carries (see subjectAltName in the evidence).",
        "Or issue a certificate that includes {server_hostname}.",
        "For bucket names with dots use path-style addressing: --addressing-style path"],
       ENDPOINT_ADMIN),
    _c("tls.handshake_failed", "The TLS handshake failed", F,
       "The port accepted the connection but no TLS session could be set up: the service speaks "
       "plain HTTP (or something else) on that port, only offers protocol versions or ciphers this "
       "client refuses (TLS < 1.2), or wants a client certificate. The evidence has the TLS error.",
       ["Check the scheme and port of the endpoint (https:// on the TLS port, http:// on a plain one).",
        "Inspect: openssl s_client -connect {host}:{port} -servername {server_hostname}"],
       ENDPOINT_ADMIN),
    _c("tls.plaintext", "The connection is not encrypted", W,
       "The connection carries the data unencrypted: an http:// endpoint, or a database server that "
       "offers no TLS. Some protocols protect the credentials themselves (signed requests, hashed "
       "passwords), but every object or row crosses the network readable, and cloud platforms "
       "usually require encryption. The summary names the connection; the fix is the connector's.",
       ["Encrypt the connection: {how}"], USER),
    # --- s3 (Amazon S3 and S3-compatible object storage) --------------------------------------
    _c("s3.bucket_name_invalid", "The bucket name breaks the naming rules", F,
       "Bucket names are 3-63 characters of lowercase letters, digits, dots and hyphens, start and "
       "end with a letter or digit, and do not look like an IP address; the platform's rules are "
       "stricter (no dots). A name outside the rules cannot be addressed.",
       ["Use the bucket's exact name as the storage console shows it."], USER),
    _c("s3.bucket_name_has_folder", "The bucket name includes folders", F,
       "The bucket name field holds a path (bucket/folder…). The platform takes it as the bucket "
       "name, so the request fails, and folders above the one named are hidden from browsing.",
       ["Split it: bucketName = {bucket}, folderPath = {folder}"], USER),
    _c("s3.virtual_host_unresolved", "The bucket's virtual host name does not resolve", F,
       "With virtual-hosted addressing the bucket is part of the host name (BUCKET.ENDPOINT); this "
       "endpoint has no DNS record for that name. Most S3-compatible servers need path-style "
       "addressing unless a wildcard record exists.",
       ["Use path-style addressing: --addressing-style path",
        "Or publish a wildcard record *.{endpoint_host} pointing at the endpoint."], USER),
    _c("s3.token_expired", "The session token has expired", F,
       "The keys are temporary (STS) credentials whose session token is past its expiry. Every "
       "signed request is refused until new credentials are issued.",
       ["Issue new temporary credentials (aws sts get-session-token / assume-role) and update "
        "accessKeyId, secret and session token together.",
        "For a long-lived connection use an IAM user's access key instead of temporary credentials."],
       USER),
    _c("s3.token_invalid", "The session token is not valid", F,
       "A session token was sent that the service does not accept (malformed, from another "
       "account or service, or sent with long-term keys that need none).",
       ["Give the session token that was issued with this access key, or none for an IAM user's "
        "access key (AKIA…)."], USER),
    _c("s3.clock_skew", "This machine's clock differs from the service's", F,
       "Signed requests carry the time they were made; S3 refuses a request more than 15 minutes "
       "off its own clock (RequestTimeTooSkewed). The evidence has the offset measured from the "
       "server's Date header.",
       ["Synchronise this machine's clock (timedatectl set-ntp true; or chronyc makestep).",
        "Check the offset again: date -u; curl -sI {endpoint} | grep -i '^date'"], USER),
    _c("s3.invalid_access_key", "The access key ID does not exist", F,
       "The service does not know this access key ID (InvalidAccessKeyId): a typo, a deleted or "
       "deactivated key, a key of another service or partition, or temporary keys without their "
       "session token.",
       ["Copy the access key ID again from the IAM console (or the GCS interoperability page).",
        "Check that the key is active: aws iam list-access-keys --user-name USER"], USER),
    _c("s3.signature_mismatch", "The request signature does not match", F,
       "The access key ID exists but the signature computed with the secret does not match "
       "(SignatureDoesNotMatch): the secret is wrong (a truncated or extra character), or a proxy "
       "rewrites the request (headers, host, path) between here and the service.",
       ["Copy the secret access key again (it is shown only once: create a new key if lost).",
        "If a proxy sits in between, make it pass requests to {endpoint} unchanged."], USER),
    _c("s3.wrong_region", "The bucket is in another region", F,
       "The request went to (or was signed for) a region the bucket is not in; S3 answers with a "
       "redirect (PermanentRedirect, x-amz-bucket-region) or AuthorizationHeaderMalformed naming "
       "the right region. The platform does not follow redirects: the service URL must name the "
       "bucket's region.",
       ["Set serviceUrl to https://s3.{region}.amazonaws.com (CLI: --endpoint-url "
        "https://s3.{region}.amazonaws.com or --region {region})."], USER),
    _c("s3.no_such_bucket", "The bucket does not exist", F,
       "The service answered NoSuchBucket: no bucket of that name exists (at this endpoint).",
       ["Check the bucket name's spelling (names are lowercase).",
        "List the buckets these keys can see: aws s3 ls --endpoint-url {endpoint}"], USER),
    _c("s3.access_denied", "The keys lack a permission the platform needs", F,
       "The service refused an action (AccessDenied): the keys' IAM policy (or the bucket policy) "
       "does not allow it. The platform needs s3:ListBucket and s3:GetBucketLocation on the bucket "
       "and s3:GetObject on its objects. On AWS a missing bucket also answers AccessDenied when "
       "the keys may not list all buckets. The evidence names the action and the resource ARN.",
       ["Attach this policy to the user of the access key (the exact JSON is in the fix of the "
        "finding):",
        "{policy}"], IAM_ADMIN),
    _c("s3.kms_denied", "The object is encrypted with a KMS key the keys may not use", F,
       "The object is encrypted with SSE-KMS and reading it needs kms:Decrypt on that key, which "
       "the keys' policy (or the key policy) does not grant. Listing works; every read fails.",
       ["Grant kms:Decrypt on {kms_key} to the user of the access key (IAM policy and, if the key "
        "is in another account, the key policy)."], IAM_ADMIN),
    _c("s3.object_archived", "The object is archived (Glacier / Deep Archive)", F,
       "The object's storage class keeps it offline (GLACIER, DEEP_ARCHIVE, or an archive tier): "
       "it cannot be read until it is restored (InvalidObjectState). The platform cannot ingest it.",
       ["Restore it (aws s3api restore-object --bucket {bucket} --key KEY --restore-request Days=7) "
        "or move the data to a readable storage class (STANDARD, STANDARD_IA, GLACIER_IR).",
        "Exclude archived objects from the folder the platform ingests."], BUCKET_OWNER),
    _c("s3.request_failed", "The endpoint did not answer like S3", F,
       "A request got no S3 answer: the connection dropped, a proxy or a web server answered "
       "instead, or the service returned an error this tool does not know. The evidence has the "
       "error code, HTTP status and message as received.",
       ["Check that the endpoint URL is the service's S3 API endpoint (not its web console).",
        "Try the same request with the AWS CLI: aws s3 ls s3://{bucket} --endpoint-url {endpoint}"],
       USER),
    # --- db (PostgreSQL and MySQL/MariaDB: one code per cause, whatever the server) ---
    _c("config.connstring_invalid", "The pasted connection string cannot be read", F,
       "The connection string is not a list of key=value pairs separated by ';': it is empty, far "
       "too long (more than a few KB), contains NUL bytes or other control characters, or a "
       "{...}/quoted value is never closed. Nothing was sent to the server. Values are never shown "
       "(they may contain the password), only the position.",
       ["Copy the connection string again from the platform's connection page ({field}): "
        "Key=value;Key=value, e.g. {example}"], USER),
    _c("config.connstring_unknown_key", "The connection string has a key this server type does not take", W,
       "A key in the pasted connection string is not one the platform's connector for this server "
       "reads: it is ignored, so what it was meant to set is not set. Often the other database's "
       "spelling (MySQL's PWD in a PostgreSQL string, Password in a MySQL one) or a typo; the "
       "evidence names the key, its position and the closest known key.",
       ["Replace {key} with {suggestion} in the connection string."], USER),
    _c("config.connstring_duplicate_key", "A key appears twice in the connection string", W,
       "The same key is set more than once; drivers use the last occurrence, which may not be the "
       "value that was meant. The evidence lists the positions (values are not shown).",
       ["Keep one {key}=… in the connection string (the one in effect is the last)."], USER),
    _c("config.connstring_bad_value", "A connection-string value is not one the key accepts", F,
       "A key has a value outside what it takes (EncryptionMethod other than 0, 1 or 6; "
       "ValidateServerCertificate other than 0 or 1; a port that is not a number in 1-65535).",
       ["Set {key} to one of: {allowed}."], USER),
    _c("config.db_port_of_other_server", "The port is the other database's default port", W,
       "The port is the well-known port of a different database server (3306 is MySQL/MariaDB, "
       "5432 is PostgreSQL). A connection string copied from another source usually explains it; "
       "the protocol identification layer confirms what really answers there.",
       ["If the server is {expected_product}, use its port (default {expected_port}): Port={expected_port}."],
       USER),
    _c("db.wrong_protocol", "Another kind of server answers on the port", F,
       "The port accepts TCP connections, but what answers is not the expected database server: "
       "an SSH, HTTP, TLS, FTP or SMTP service, or the other database (MySQL on a PostgreSQL port "
       "or the reverse). The evidence has the bytes it sent (a printable excerpt) and what they "
       "identify.",
       ["Check the port: {port} speaks {found}, not {expected}. Ask the server's administrator which "
        "port {expected} listens on (default {default_port})."], USER),
    _c("db.server_silent", "The port accepted the connection but the server never answered", F,
       "TCP connected, but no bytes came back to the protocol's opening message within the time "
       "budget: a firewall or proxy that accepts and holds connections, an overloaded server, or a "
       "service that waits for something else. Nothing is known about what listens there.",
       ["Check that {host}:{port} is the database server's port and not a proxy or load balancer "
        "that holds connections.",
        "Try from the same network: psql -h {host} -p {port} (PostgreSQL) or mysql -h {host} -P {port}"],
       NETWORK),
    _c("db.tls_required", "The server requires an encrypted (TLS) connection", F,
       "The server refuses unencrypted connections (a pg_hba.conf with only hostssl lines, "
       "require_secure_transport, REQUIRE SSL on the user), but the connection is configured "
       "without TLS.",
       ["Turn encryption on: sslMode=require (or verify-full with a trusted certificate); in the "
        "platform's connection string EncryptionMethod=1."], USER),
    _c("db.tls_unavailable", "TLS is required but the server does not offer it", F,
       "The connection demands encryption (sslMode require/verify-ca/verify-full, EncryptionMethod=1) "
       "but the server answered that it does not support TLS (PostgreSQL ssl=off, MySQL without "
       "the SSL capability). No unencrypted fallback is allowed in these modes.",
       ["Enable TLS on the server ({server_setting}) with a certificate the platform trusts.",
        "Only if the network path is private and trusted: sslMode=prefer/disable (EncryptionMethod=0)."],
       "the database server's administrator"),
    _c("db.hba_rejected", "The server's access rules do not allow this client", F,
       "The server has no access rule (PostgreSQL pg_hba.conf, MySQL user@host) for this client "
       "address, user, database and connection type, so it refuses before checking a password. "
       "The evidence has the server's message and the client address it saw.",
       ["Allow this client in the server's access rules: {rule}",
        "Make the server use the new rule: {reload}"],
       "the database server's administrator"),
    _c("db.password_rejected", "The password (or user name) was refused", F,
       "The server asked for a password and refused the one given (PostgreSQL 28P01, MySQL 1045). "
       "Servers answer the same for an unknown user, so check both.",
       ["Check the user name ({user}) and copy the password again; the server's administrator can "
        "reset it: {reset}"], USER),
    _c("db.auth_method_unsupported", "The server asks for a login method the platform cannot use", F,
       "The server's access rule for this user asks for a method the platform's connector cannot "
       "answer (client certificate, Kerberos/GSSAPI, SSPI, LDAP-only plugins, or a password "
       "method that needs something missing). The evidence names the method the server asked for.",
       ["Ask the administrator to allow a password login for {user}: {rule}"],
       "the database server's administrator"),
    _c("db.auth_failed", "The login failed for another reason", F,
       "The server refused the login with an error that is not a password or access-rule "
       "problem: too many connections, a role that may not log in, a server starting up or "
       "shutting down. The evidence has the SQLSTATE/error number and message.",
       ["Act on the server's message in the evidence; then run the check again."],
       "the database server's administrator"),
    _c("db.database_not_found", "The database does not exist", F,
       "The login succeeded up to choosing the database, and the server has no database of that "
       "name (PostgreSQL 3D000, MySQL 1049). Names are case-sensitive on PostgreSQL. The evidence "
       "lists the databases this user can see.",
       ["Use one of the databases the server has: {databases}"], USER),
    _c("db.permission_denied", "The user may not read the table", F,
       "The user can log in but lacks a privilege to read the relation: USAGE on its schema or "
       "SELECT on the table (PostgreSQL 42501, MySQL 1142). The fix has the exact GRANT.",
       ["Run as the table's owner or an administrator: {grant}"], "the database server's administrator"),
    _c("db.row_security", "Row-level security may hide rows from this user", W,
       "The table has row-level security enabled and the user does not bypass it: queries return "
       "only the rows the policies allow, possibly none. The platform will ingest only those rows.",
       ["If the platform must see all rows, add a policy for {user} or: ALTER ROLE {user} BYPASSRLS;"],
       "the database server's administrator"),
    _c("db.table_not_found", "The table (or its schema) does not exist", F,
       "No table or view of that name is visible to this user (PostgreSQL 42P01, MySQL 1146). "
       "Identifiers are case-sensitive when quoted; the evidence lists the closest names that exist.",
       ["Use the exact name: {matches}"], USER),
    _c("db.sample_timeout", "Reading a few rows took longer than the time budget", F,
       "A LIMITed read of the table did not finish within the statement timeout: the relation is a "
       "view with an expensive definition, the table is locked, or the server is overloaded. The "
       "platform's reads will be as slow or time out.",
       ["Check for locks and long queries on the server (SELECT * FROM pg_stat_activity / SHOW "
        "PROCESSLIST) and for an expensive view definition of {table}."],
       "the database server's administrator"),
    _c("db.sample_failed", "Reading sample rows failed", F,
       "The relation exists and may be read, but the server returned an error while reading rows "
       "(a broken view, a function in the view that fails, a storage error). The evidence has the "
       "SQLSTATE/error number and message.",
       ["Run the same read yourself and act on the server's message: {query}"], USER),
    _c("db.type_unsupported", "A column's type has no equivalent on the platform", W,
       "A column has a type the platform cannot take as is (geometric, range, bit string, custom "
       "composite types...): the platform will reject the column or take it as text. The evidence "
       "names each such column and its type.",
       ["Exclude or cast the columns in a view the platform reads: {cast}"], USER),
    _c("db.no_delta_column", "No column for incremental loads", W,
       "Incremental (delta) loads read only rows changed since the last load, which needs a "
       "column that grows with each change: a timestamp (updated_at) or a monotonic key. The "
       "table has none, so every load reads the whole table.",
       ["Add one, e.g.: {ddl}", "Or accept full loads for this table."], DATA_OWNER),
    _c("db.delta_not_indexed", "The delta column has no index", W,
       "The column the platform would use for incremental loads is not the first column of any "
       "index: each load's WHERE column > last_value scans the whole table.",
       ["Create an index: {ddl}"], "the database server's administrator"),
    _c("db.password_not_checked", "The server let the login in without checking a password", W,
       "The server's access rule for this client, user and database is trust (PostgreSQL "
       "pg_hba.conf): anyone who can reach the port logs in as this user, with any password or "
       "none. So the run proved nothing about the password: it may be wrong or missing, and the "
       "platform, connecting from another address whose rule asks for a password, would then be "
       "refused. A trust rule that covers the platform's addresses lets anyone in.",
       ["Check the password another way (a client whose address pg_hba.conf asks a password of), "
        "or run this check from such an address.",
        "Ask the server's administrator to ask for a password: {rule}"], USER),
    # --- blob (Azure Blob Storage) ---
    _c("blob.connection_string_invalid", "The connection string is malformed", F,
       "The connectionString is not Key=Value pairs separated by ';', has a key Azure does not "
       "know (the platform refuses the whole string), gives a key twice, or lacks a required one: "
       "the account (AccountName or BlobEndpoint) and a credential (AccountKey or "
       "SharedAccessSignature). The evidence names the key, never a value.",
       ["Fix the key {key} in connectionString; copy the whole string again from the Azure portal "
        "(storage account → Security + networking → Access keys → Connection string): "
        "DefaultEndpointsProtocol=https;AccountName=ACCOUNT;AccountKey=KEY;"
        "EndpointSuffix=core.windows.net"], USER),
    _c("blob.account_key_invalid", "The account key is not a valid key", F,
       "AccountKey must be the base64 of a 64-byte key (88 characters ending in '=='). A character "
       "outside base64, a broken padding or a wrong length means the key was truncated or altered "
       "when copied; every signed request would be refused.",
       ["Copy key1 again: az storage account keys list --account-name {account} --query [0].value "
        "-o tsv (or Access keys in the portal) and rebuild connectionString with it."], USER),
    _c("blob.sas_invalid", "The SAS URI is malformed", F,
       "sasUri is not a full https URI with a SAS token (sv, sp, se, sig), gives a parameter twice, "
       "or has a start/expiry/IP field that does not parse. The evidence names the parameter, "
       "never the signature.",
       ["Paste the whole 'Blob SAS URL' the portal shows (https://ACCOUNT.blob.core.windows.net/"
        "CONTAINER?sv=…&sig=…), not only the token, and unchanged."], USER),
    _c("blob.sas_expired", "The SAS has expired", F,
       "The SAS's expiry (se) is in the past: the service refuses every request made with it.",
       ["Generate a new SAS with a later expiry (it expired at {expiry}), e.g. az storage container "
        "generate-sas {az_signer} --name {container} --permissions rl{https_only} "
        "--expiry 2030-01-01T00:00:00Z -o tsv, and update sasUri.",
        "A connection the platform keeps needs a SAS that outlives the dataflow."], USER),
    _c("blob.sas_not_yet_valid", "The SAS is not valid yet", F,
       "The SAS's start (st) is in the future: the service refuses it until then. Often a start "
       "time typed in local time instead of UTC.",
       ["Generate the SAS with a start 15 minutes in the past (or none), in UTC (it starts at "
        "{start}; now is {now})."], USER),
    _c("blob.sas_permissions", "The SAS does not grant what the platform needs", F,
       "The platform lists the container and reads its blobs: it needs a container SAS (sr=c) or "
       "an account SAS for the blob service (ss=b, srt=co) with the permissions r (read) and l "
       "(list). A blob SAS grants one blob only.",
       ["Generate a SAS granting {needed} (missing: {missing}): Azure portal → container → Shared "
        "access tokens → Permissions Read and List; or az storage container generate-sas "
        "{az_signer} --name {container} --permissions rl{https_only} --expiry 2030-01-01T00:00:00Z "
        "-o tsv"],
       USER),
    _c("blob.sas_protocol", "The SAS does not allow HTTPS", F,
       "The SAS's spr field limits the protocols it may be used over; the platform connects over "
       "https, and a plain-http endpoint is refused by an https-only SAS.",
       ["Generate the SAS with protocol HTTPS (spr=https; it says spr={spr}) and give the endpoint "
        "as https://."], USER),
    _c("blob.sas_ip_restricted", "The SAS is limited to some IP addresses", W,
       "The SAS's sip field allows requests from those addresses only. The platform connects from "
       "its own regional addresses: unless they are inside the range, every request is refused "
       "(AuthorizationSourceIPMismatch). Private ranges can never include the platform.",
       ["Generate the SAS without an IP restriction (sip={sip}), or with a range that includes "
        "the platform's regional IP addresses."], USER),
    _c("blob.service_principal_unverified", "Service principal settings cannot be tested here", I,
       "Service principal authentication gets a token from Microsoft Entra ID "
       "(login.microsoftonline.com) for the tenant, then calls the blob endpoint with it. "
       "sourcedoctor checks the settings' shape and the endpoint's network layers, but does not "
       "request a token: the authentication, container and listing layers are not exercised.",
       ["Check the sign-in yourself: az login --service-principal -u CLIENT_ID -p SECRET --tenant "
        "{tenant}, then az storage blob list --account-name {account} -c CONTAINER --auth-mode login",
        "The service principal needs the role Storage Blob Data Reader on the container."], USER),
    _c("blob.auth_failed", "The service refused the credential", F,
       "The blob service refused the request's credential (AuthenticationFailed on Azure; "
       "Azurite says AuthorizationFailure): a wrong or rotated account key, a SAS whose signature "
       "does not match (altered, or signed by a rotated key) or that the service considers "
       "expired, or — on Azure, AuthorizationFailure with a valid credential — the storage "
       "account's firewall refusing this address. The evidence's cause says which the answer "
       "points at.",
       ["{step}"], USER),
    _c("blob.container_not_found", "The container does not exist", F,
       "The service answered ContainerNotFound: no container of that name in the account.",
       ["Check the container name's spelling (lowercase letters, digits, hyphens): az storage "
        "container list {az_auth} -o table",
        "Set container to the right name ({container} was asked for)."], USER),
    _c("blob.permission_denied", "The credential lacks a permission the platform needs", F,
       "The credential was accepted but the request was not allowed "
       "(AuthorizationPermissionMismatch, or a resource-type/service mismatch): a SAS without the "
       "needed permission letter (l to list, r to read), or a service principal without the role "
       "Storage Blob Data Reader.",
       ["Generate a SAS that also grants {missing} (the platform needs {needed}) for container "
        "{container}: az storage container generate-sas {az_signer} --name "
        "{container} --permissions rl{https_only} --expiry 2030-01-01T00:00:00Z -o tsv"], USER),
    _c("blob.request_failed", "The endpoint did not answer like Azure Blob Storage", F,
       "A request got no blob service answer: the connection dropped, something else (a web "
       "server, a proxy) answered, or the service returned an error this tool does not know. "
       "The evidence has the error code, HTTP status and message as received.",
       ["Check that the endpoint is the account's blob endpoint ({endpoint}), not its web or "
        "dfs endpoint.",
        "Try the same with the Azure CLI: az storage blob list --account-name ACCOUNT "
        "--account-key \"$AZURE_STORAGE_KEY\" --blob-endpoint {endpoint} -c CONTAINER"], USER),
    # --- ftp (FTP and FTPS) ---
    _c("ftp.is_sftp", "An SSH (SFTP) server answers on the FTP port", F,
       "The port answered with an SSH identification line, not an FTP greeting: this is an SFTP "
       "server (SSH File Transfer Protocol), which has nothing in common with FTP/FTPS but the "
       "name. The evidence has the SSH banner.",
       ["This is an SFTP server: use the SFTP connector (sftp://{user}@{host}:{port}/{folder}) "
        "with the same user and password or key.",
        "If the server should also offer FTP/FTPS, ask its administrator for the FTP port "
        "(usually 21, or 990 for implicit FTPS)."], USER),
    _c("ftp.not_ftp", "Something other than FTP answers on the port", F,
       "The port answered with bytes that are not an FTP reply (an HTTP or TLS server, binary "
       "data, another text protocol). The evidence says what answered and shows its first bytes.",
       ["Use the port where the FTP server listens (21 for ftp:// and ftps://, 990 for "
        "ftps+implicit://).",
        "If the port serves implicit TLS (the evidence says TLS), use ftps+implicit://{host}:{port}."],
       USER),
    _c("ftp.not_implicit_tls", "The port speaks plain FTP, not implicit TLS", F,
       "ftps+implicit:// starts with a TLS handshake, but the port answered with a plain FTP "
       "greeting (220): it is a plain or explicit-FTPS port, where TLS starts only after AUTH TLS. "
       "The evidence has the greeting that was read on a second connection.",
       ["This port speaks plain FTP: use ftps://{user}@{host}:{port}/{folder} (explicit TLS, "
        "AUTH TLS on this port).",
        "For implicit TLS use the server's implicit-FTPS port instead (usually 990)."], USER),
    _c("ftp.no_greeting", "No FTP greeting arrived", F,
       "TCP connected but no complete FTP greeting (220) arrived in time, or the server closed or "
       "reset the connection first: a server that waits for the client to speak (HTTP, implicit "
       "TLS), an overloaded server, a connection limit, or a firewall that lets the handshake "
       "through and drops the rest.",
       ["If the port serves implicit TLS, use ftps+implicit://{host}:{port}.",
        "Check the FTP server's logs for this connection and its connection limits.",
        "Try: curl -v ftp://{host}:{port}/ (a greeting shows as '< 220')"], FTP_ADMIN),
    _c("ftp.greeting_refused", "The FTP server refuses new sessions", F,
       "The server answered with a refusal instead of 220 (usually '421 Too many connections' or "
       "'421 Service not available'): it is at its connection limit or shutting down. The evidence "
       "has the reply.",
       ["Raise the server's connection limit (vsftpd max_clients/max_per_ip, ProFTPD MaxClients, "
        "FileZilla Server's connection limit) or close idle sessions.",
        "Run the check again later to tell a momentary peak from a fixed limit."], FTP_ADMIN),
    _c("ftp.protocol_error", "The FTP server's reply breaks the protocol", F,
       "A reply could not be read as FTP: a line longer than 8 KB, a multi-line reply of more than "
       "1,000 lines or 64 KB, undecodable bytes, or a reply with no three-digit code. sourcedoctor "
       "stops reading there (a client that does not may hang or run out of memory).",
       ["Check the FTP server's banner and reply settings (a huge or binary banner file, a proxy "
        "or load balancer in front of the port mangling the stream).",
        "Look at the raw exchange: curl -v ftp://{host}:{port}/"], FTP_ADMIN),
    _c("ftp.plaintext", "Plain FTP: password and data travel unencrypted", W,
       "The connection is ftp:// without TLS: the user name, the password and every file cross the "
       "network in clear text, readable by anyone on the path. The data can still be read; this "
       "is a warning under every target.",
       ["If the server offers FTPS, use ftps://{host}:{port} (explicit TLS: AUTH TLS on this "
        "same port) or ftps+implicit://{host}:990 (implicit TLS has its own port, usually 990).",
        "Otherwise ask the server's administrator to enable TLS (vsftpd ssl_enable=YES, ProFTPD "
        "mod_tls, FileZilla Server 'Require explicit FTP over TLS')."], FTP_ADMIN),
    _c("ftp.tls_unavailable", "The FTP server does not offer TLS", F,
       "ftps:// was asked for, but the server refused 'AUTH TLS' (or PROT P for the data "
       "connections): it has no TLS configured, or only implicit TLS on another port. The evidence "
       "has the server's reply.",
       ["Enable explicit FTPS on the server (vsftpd ssl_enable=YES with rsa_cert_file, ProFTPD "
        "TLSEngine on, IIS 'Allow SSL connections').",
        "If the server offers implicit TLS instead, use ftps+implicit://{host}:990.",
        "Only if encryption is not required: use ftp://{host}:{port} (everything in clear text)."],
       FTP_ADMIN),
    _c("ftp.tls_required", "The FTP server requires TLS", F,
       "The server refused to log in over plain FTP ('SSL/TLS required', 530/534/550 on USER or "
       "PASS): it only accepts FTPS. Nothing was wrong with the password; it was not even checked.",
       ["Use ftps://{user}@{host}:{port}/{folder} (explicit TLS on the same port).",
        "The platform's connection must then use FTPS too."], USER),
    _c("ftp.login_failed", "The FTP login was refused", F,
       "The server answered 530 (or another refusal) to USER/PASS: wrong user name or password, "
       "a locked or expired account, a user not allowed to use FTP, or a login restricted to "
       "some client addresses. Only one login attempt is made per run. The evidence has the "
       "server's reply.",
       ["Check the user name ({user}) and the password; copy the password again (no trailing "
        "space or newline).",
        "On the server: check that {user} may log in over FTP (vsftpd userlist/ftpusers, "
        "ProFTPD <Limit LOGIN>, IIS FTP authorization rules) and that the account is not locked."],
       USER),
    _c("ftp.data_tls_required", "The server requires encrypted data connections (PROT P)", F,
       "The control connection is FTPS but data connections were asked in clear (PROT C), and the "
       "server requires them encrypted ('SSL/TLS required on the data channel', 521/522/534/550).",
       ["Use private data protection: leave --data-protection at its default (private), i.e. "
        "send 'PBSZ 0' and 'PROT P' after login.",
        "The platform's connection must encrypt data connections as well."], USER),
    _c("ftp.passive_unsupported", "The server refuses passive mode", F,
       "Both PASV and EPSV were refused, so no data connection (listing or file) can be opened "
       "the way cloud platforms and firewalled clients open them. The evidence has the replies.",
       ["Enable passive mode on the server (vsftpd pasv_enable=YES, ProFTPD PassivePorts, IIS "
        "'FTP Firewall Support' data channel port range)."], FTP_ADMIN),
    _c("ftp.passive_address", "The server advertises a wrong passive address", F,
       "In its PASV reply the server tells the client which address to open the data connection "
       "to, and that address ({advertised}) is not the one the control connection reached "
       "({address}): typically a server behind NAT that advertises its internal (private) "
       "address. Clients that trust the advertised address hang on every listing and download; "
       "clients that substitute the control address (curl, ftplib, FileZilla) work. A warning "
       "unless the advertised address is private and the target is a cloud platform.",
       ["Set the server's public address for passive replies (vsftpd pasv_address={address}, "
        "ProFTPD MasqueradeAddress, FileZilla Server 'Use the following IP', IIS 'External IP "
        "address of firewall').",
        "If the NAT device rewrites FTP (an FTP ALG), check that it sees the control connection "
        "(it cannot inside FTPS)."], FTP_ADMIN),
    _c("ftp.data_channel_blocked", "The passive data connection cannot be opened", F,
       "The server accepted PASV/EPSV and named port {data_port}, but a connection to "
       "{address}:{data_port} was refused or not answered within the timeout. This is the classic "
       "FTP firewall fault: the control port (21) is open, the passive port range is not. Logins "
       "work, every listing and download hangs.",
       ["Open the server's passive port range inbound in every firewall on the path (e.g. vsftpd "
        "pasv_min_port/pasv_max_port, ProFTPD PassivePorts; then allow exactly that range).",
        "Check that the range configured on the server is the range the firewall opens, and that "
        "{data_port} is in it.",
        "Test: curl -v --ftp-pasv ftp://{host}:{port}/ (it stops after '227 Entering Passive Mode')."],
       NETWORK),
    _c("ftp.rest_unsupported", "The server refuses reads at an offset (REST)", W,
       "REST was refused, so a file can only be read from its start: resuming, reading a Parquet "
       "file's footer and reading parts of a file in parallel are impossible.",
       ["Enable REST STREAM on the server (most servers support it; check any proxy in between)."],
       FTP_ADMIN),
    # --- stream (the platform's HTTP streaming inlet) ---
    _c("stream.token_expired", "The bearer token has expired", F,
       "The access token given for the authenticated inlet is a JWT whose own claims (exp, or IMS's "
       "created_at + expires_in) say it has expired. Every request with it is refused with 401; "
       "nothing was sent. IMS access tokens live 24 hours. The evidence has the expiry time.",
       ["Generate a new access token (Adobe Developer Console → your project → OAuth Server-to-Server "
        "→ Generate access token, or POST to https://ims-na1.adobelogin.com/ims/token/v3) and give "
        "it again: {token_option}.",
        "Have the sender refresh its token before expires_in runs out (the expiry was {expires_at})."],
       USER),
    _c("stream.token_missing", "The inlet refused the request as unauthenticated (401)", F,
       "The inlet is an authenticated connection and answered 401 to a request that carried no "
       "token (none was given; the platform says e.g. \"Ims service token is empty\"). A token "
       "that was sent and refused is stream.token_refused. The evidence has the inlet's answer.",
       ["Give the IMS access token for {ims_org}: {token_option} (it is sent as the "
        "Authorization header: the word Bearer, a space, then the token)."], USER),
    _c("stream.token_refused", "The inlet refused the token that was sent (401)", F,
       "An access token was sent in the Authorization header and the authenticated inlet answered "
       "401: the token is not one the platform accepts — mistyped or truncated when pasted, "
       "revoked, issued for another organisation or environment, or expired by the issuer before "
       "its own claims say so. The evidence has the inlet's answer; the token is never shown.",
       ["Generate a new access token for {ims_org} (Adobe Developer Console → your project → "
        "OAuth Server-to-Server → Generate access token) and give it again: {token_option}.",
        "Check it is the whole token (no missing characters, no quotes) and that the project "
        "belongs to the inlet's organisation {ims_org}."], USER),
    _c("stream.token_prefixed", "The token was given with its 'Bearer ' prefix", W,
       "The token value starts with the word Bearer and a space: it was copied with its header "
       "prefix. Sent as it is, the header would read 'Bearer Bearer …' and the inlet would refuse "
       "it with 401. This run strips the prefix so the other layers can be tested; a sender that "
       "uses the same value as it is will be refused.",
       ["Store the token alone, without the leading 'Bearer ' (the header adds it): "
        "{token_option}."], USER),
    _c("stream.forbidden", "The inlet refused the request (403)", F,
       "The inlet answered 403 Forbidden. With a problem body the token is valid but not allowed "
       "to write to this inlet (another organisation or sandbox, a product profile without "
       "streaming permissions). A 403 with an empty body is what an IP allow-list in front of the "
       "inlet answers: the request never reached the inlet.",
       ["Empty body: add this machine's (and the sender's) public IP address to the inlet's "
        "allow-list, or send from an allowed network.",
        "Problem body: give the token's technical account access to the sandbox and to streaming "
        "ingestion in the product profile; check x-gw-ims-org-id is {ims_org}."], USER),
    _c("stream.payload_too_large", "A request would be larger than 1 MB", F,
       "The platform refuses a request body over 1 MB (413 Payload Too Large). A JSON-lines record, "
       "a single JSON message or a whole batch document ({\"messages\": [...]}) is one request. The "
       "evidence has the lines and sizes; this is judged locally, before anything is sent.",
       ["Split the batch into several requests of under 1 MB, or trim the record at line {line} "
        "({size} bytes)."], DATA_OWNER),
    _c("stream.array_body", "The records are a bare JSON array", W,
       "The file is one JSON array of messages. Adobe's streaming inlet takes one message per "
       "request (POST /collection/{inletId}) or several in the batch form {\"messages\": [...]} "
       "(POST /collection/batch/{inletId}); an array body is neither, and the inlet refuses it "
       "with 400. This run sends and judges each item as a message of its own; a producer that "
       "posts the array as it is will be refused.",
       ["Wrap the array in the batch form (an object whose \"messages\" key holds the array) "
        "and post it to the batch endpoint "
        "(…/collection/batch/INLET_ID), or send each item as its own request (or write the "
        "file as JSON lines: one message a line)."], DATA_OWNER),
    _c("stream.xdm_envelope_incomplete", "An XDM message lacks parts of its envelope", F,
       "A message has an XDM envelope (header/body) but not all of it: header.schemaRef.id, "
       "header.schemaRef.contentType (application/vnd.adobe.xed-full+json;version=1), "
       "body.xdmMeta.schemaRef and body.xdmEntity are all needed. The platform answers 400 "
       "\"Message has unknown xdm format\" for such a message. The evidence names what is missing "
       "and where.",
       ["Add the missing parts ({missing}) to the message at line {line}.",
        "Or send raw JSON (no header/body) with a dataflow that maps it: --flow-id DATAFLOW_ID."],
       DATA_OWNER),
    _c("stream.flow_id_missing", "Raw JSON without a dataflow id", W,
       "The records are raw JSON (no XDM envelope). The platform maps raw JSON to XDM only through "
       "a dataflow, named by the x-adobe-flow-id header (or the URL's ?x-adobe-flow-id=); without "
       "it the messages are not ingested.",
       ["Send the header x-adobe-flow-id: DATAFLOW_ID (CLI: --flow-id DATAFLOW_ID); the id is on "
        "the dataflow's page (Sources → Dataflows)."], USER),
    _c("stream.ims_org_wrong", "The message's organisation is not the inlet's", F,
       "The IMS organisation in the message header (header.imsOrgId) differs from the one given, or "
       "the platform answered \"Message has an absent or wrong ims org in the header\".",
       ["Set header.imsOrgId of every message, and the x-gw-ims-org-id header, to {ims_org}."],
       DATA_OWNER),
    _c("stream.unknown_xdm_format", "The platform: \"Message has unknown xdm format\" (400)", F,
       "The inlet refused the message with 400 Invalid XDM Message Format / Message has unknown xdm "
       "format: the XDM schema reference (header.schemaRef, body.xdmMeta.schemaRef) is missing or "
       "names no schema the inlet knows.",
       ["Give header.schemaRef.id and body.xdmMeta.schemaRef.id the $id of the dataset's schema "
        "(Schemas → the schema → its ID), with contentType "
        "application/vnd.adobe.xed-full+json;version=1."], DATA_OWNER),
    _c("stream.invalid_xdm", "The platform: \"Invalid XDM Message Format\" (400)", F,
       "The inlet refused the message with 400 Invalid XDM Message Format: the message does not "
       "validate against its schema (a wrong type, a bad date-time, a missing required field). "
       "The evidence has the platform's message and the pointers to the violations.",
       ["Fix the fields the evidence points at ({message}) in the producer of the messages.",
        "Test one record with ?synchronousValidation=true on the inlet URL to see every violation."],
       DATA_OWNER),
    _c("stream.throttled", "The inlet throttled the request (429)", W,
       "The inlet answered 429 Too Many Requests: the organisation's streaming rate is exceeded. "
       "Nothing was retried (a retry is the sender's decision); Retry-After says when to come back.",
       ["Wait {retry_after} s before sending again, and make the sender back off on 429.",
        "Batch messages (the messages array of the batch endpoint) instead of one request per "
        "event."], USER),
    _c("stream.schema_mismatch", "The inlet failed the message against its dataset (500)", F,
       "The inlet answered 500 naming the schema: the message's schema does not match the schema "
       "of the dataset the inlet writes to (another schema's $id, or a schema version the dataset "
       "does not use).",
       ["Use the dataset's schema $id in header.schemaRef.id and body.xdmMeta.schemaRef.id.",
        "Check which dataset the dataflow writes to and which schema it has (Datasets → the "
        "dataset → Schema)."], DATA_OWNER),
    _c("stream.unavailable", "The inlet is unavailable (503)", F,
       "The inlet answered 503 Service Unavailable, also after the bounded retries (at most two, "
       "honouring Retry-After within the time budget). Nothing was written.",
       ["Retry later; check https://status.adobe.com for Experience Platform data collection.",
        "Make the sender retry 503 with back-off."], "the platform's operators (Adobe)"),
    _c("stream.unexpected_answer", "The inlet gave an answer this tool does not know", F,
       "The request got a status or body the inlet's documentation does not describe for this "
       "request (a 404 for an unknown or deleted inlet, an HTML page from a proxy, a closed "
       "connection). The evidence has the status and the body as received.",
       ["Check the inlet URL (copy it again from the dataflow's page) and any proxy in between.",
        "Try it by hand: curl -i -X POST '{url}' -H 'Content-Type: application/json' -d ''"],
       ENDPOINT_ADMIN),
    # --- kafka (Kafka) ---
    _c("kafka.no_kafka_answer", "The port does not answer like a Kafka broker", F,
       "The TCP connection was accepted, but no Kafka answer came: the connection was reset or "
       "closed at once, or nothing arrived within the time budget. Another service listens on the "
       "port (HTTP, SSH…), the listener speaks TLS while the client does not (or the reverse), or "
       "a proxy or firewall holds the connection. The evidence has the client's log lines.",
       ["Check the broker port ({port}) and whether the listener uses TLS: kafka+ssl://{host}:{port} "
        "for a TLS listener, kafka:// for a plain one (security protocol now: {protocol}).",
        "On the broker: grep -E '^(listeners|advertised.listeners)' server.properties"],
       USER),
    _c("kafka.wrong_protocol", "Another kind of service answers on the port", F,
       "The port accepts TCP connections, but what answers is not a Kafka broker: asked in its "
       "own protocol, it answered as an HTTP, TLS, SSH, FTP, SMTP or database service (a REST "
       "proxy, a web UI or another server's port). The evidence has a printable excerpt of its "
       "first bytes and what they identify.",
       ["Check the port: {host}:{port} speaks {found}, not Kafka. Use the port of the brokers' "
        "Kafka listener (default 9092; the cluster's bootstrap servers list it).",
        "If {host}:{port} is a REST proxy or a UI in front of Kafka, ask its owner for the "
        "brokers' addresses (bootstrap.servers) instead."], USER),
    _c("kafka.auth_required", "The broker requires SASL authentication", F,
       "The broker answered the first exchange (ApiVersions) and then dropped the connection at the "
       "first real request: the listener expects SASL, and the settings give none.",
       ["Set the SASL mechanism, user and password the cluster's administrator gives you: "
        "--sasl-mechanism PLAIN|SCRAM-SHA-256|SCRAM-SHA-512 --username USER --password-env VAR.",
        "Or connect to the cluster's unauthenticated listener if it has one ({host}:{port} is not)."],
       USER),
    _c("kafka.sasl_mechanism_not_offered", "The broker does not offer the configured SASL mechanism", F,
       "In the SASL handshake the broker lists the mechanisms its listener enables; the configured "
       "one is not among them, so authentication cannot start. The evidence has both.",
       ["Use a mechanism the broker offers ({offered}) instead of {configured}: --sasl-mechanism "
        "MECHANISM (the platform's saslMechanism field).",
        "Or enable {configured} on the listener (sasl.enabled.mechanisms in server.properties)."],
       USER),
    _c("kafka.auth_failed", "The broker refused the SASL authentication", F,
       "The broker refused the SASL exchange: a wrong user name or password (Confluent Cloud: API "
       "key and secret), a SCRAM user created for the other SCRAM mechanism, or a broker that "
       "lists a mechanism it then refuses. The evidence has the broker's words as the client "
       "logged them. One attempt was made.",
       ["Check the user name ({username}) and password for SASL {mechanism}; copy them again.",
        "For SCRAM, check the user exists for this mechanism: kafka-configs.sh --describe "
        "--entity-type users --entity-name {username}"], USER),
    _c("kafka.advertised_listener_unreachable", "A broker advertises an address this machine cannot reach", F,
       "The bootstrap broker answered, but the cluster's metadata names brokers by their advertised "
       "listeners, and every later request (partition leaders, the group coordinator) goes to "
       "those addresses. One of them does not resolve or does not accept connections from here: an "
       "internal host name, a container address or a port behind NAT. The most common Kafka "
       "failure: the first connection works, everything after it fails.",
       ["Set advertised.listeners of broker {broker_id} to an address clients outside reach "
        "(e.g. the name you connect to: {bootstrap}); it now advertises {advertised}.",
        "On Kubernetes/Docker, add an external listener and advertise its external address.",
        "Verify from here: kcat -b {bootstrap} -L (the broker lines show what is advertised)"],
       "the Kafka cluster's administrator"),
    _c("kafka.advertised_listener_private", "A broker advertises a private address", F,
       "Every broker is reachable from here, but through private (RFC 1918, loopback, link-local) "
       "addresses: the cluster advertises its internal listeners. A cloud platform reaches the "
       "bootstrap broker and then fails on every advertised one. A failure when the bootstrap "
       "address is public; a warning when it is private too (a private-connectivity setup may "
       "reach both; the DNS layer says so for the bootstrap address).",
       ["Add an external listener on broker {broker_id} and advertise its public name "
        "(advertised.listeners=EXTERNAL://PUBLIC_NAME:PORT); it now advertises {advertised}.",
        "Or connect the platform through private connectivity that reaches these addresses."],
       "the Kafka cluster's administrator"),
    _c("kafka.topic_not_found", "The topic does not exist", F,
       "The cluster's metadata has no topic of that name (names are case-sensitive), and asked by "
       "name the broker says it does not exist (a topic the user may not describe is refused "
       "instead: kafka.topic_not_authorized). The evidence lists the closest names and the first "
       "topics the cluster has.",
       ["Check the topic name {topic}; close names on this cluster: {close}.",
        "List the topics: kafka-topics.sh --bootstrap-server {bootstrap} --list"], USER),
    _c("kafka.topic_unavailable", "The topic cannot be read (no leader, or refused)", F,
       "The topic exists but the broker returned an error for it (e.g. TOPIC_AUTHORIZATION_FAILED), "
       "or some partitions have no leader (brokers down, under-replicated): records of those "
       "partitions cannot be fetched.",
       ["If the error is an authorization failure: grant the user Describe and Read on topic "
        "{topic} (kafka-acls.sh --add --allow-principal User:USER --operation Read "
        "--operation Describe --topic {topic}).",
        "If partitions have no leader: bring their brokers back, then check "
        "kafka-topics.sh --describe --topic {topic} --under-replicated-partitions"],
       "the Kafka cluster's administrator"),
    _c("kafka.topic_not_authorized", "The user may not describe the topic", F,
       "Asked by name, the broker answered TOPIC_AUTHORIZATION_FAILED: the user lacks Describe on "
       "the topic. Kafka leaves such topics out of every topic list and refuses them by name "
       "whether they exist or not, so the name may be right or wrong: only the ACLs can tell.",
       ["Grant the user Describe and Read on topic {topic}: kafka-acls.sh --bootstrap-server "
        "{bootstrap} --add --allow-principal User:USER --operation Describe --operation Read "
        "--topic {topic}",
        "Or, if the name is wrong, use the topic the ACLs allow (kafka-acls.sh --list --topic "
        "{topic} shows them)."], "the Kafka cluster's administrator"),
    _c("kafka.consumer_group_in_use", "The consumer group already has active members", F,
       "The platform runs one flow per consumer group. This group already has members (another "
       "flow or an application): a new flow joining it would share the topic's partitions with "
       "them, and each would get only part of the records. A failure for the platform's target, a "
       "warning for a generic reader (which may share a group on purpose to scale out).",
       ["Give the flow its own consumer group: a new groupId no one else uses.",
        "See who uses {group}: kafka-consumer-groups.sh --bootstrap-server {bootstrap} --describe "
        "--group {group} --members"], USER),
    _c("kafka.consumer_group_has_offsets", "The consumer group has committed offsets", W,
       "The group has no active members but has committed offsets: a flow using it resumes from "
       "those offsets instead of the earliest record, so records before them are not ingested.",
       ["To ingest from the beginning, use a new consumer group, or reset this one: "
        "kafka-consumer-groups.sh --bootstrap-server {bootstrap} --group {group} --topic {topic} "
        "--reset-offsets --to-earliest --execute"], USER),
    _c("kafka.topic_empty", "The topic holds no records", W,
       "Every partition's earliest and latest offsets are equal: there is nothing to preview, and a "
       "flow would ingest nothing until producers write (or records were already removed by the "
       "topic's retention).",
       ["Check that producers write to {topic} (not to a similarly named topic).",
        "Check the topic's retention: kafka-configs.sh --describe --entity-type topics "
        "--entity-name {topic}"], DATA_OWNER),
    # --- records (stream record values: Kafka, Kinesis) ---
    _c("records.not_json", "Record values are not JSON objects", F,
       "The platform's streaming sources map each record's value, a JSON object, to the "
       "dataset's fields. Some sampled values are not JSON objects: schema-registry framed "
       "(Confluent's wire format: magic byte 0 and a schema id, then an Avro, Protobuf or JSON "
       "Schema payload only the registry can decode), binary, plain text, or JSON that is not an "
       "object. A failure under --target aep; a warning for a generic reader when values are "
       "framed or binary (they land as one unreadable column). The evidence counts the kinds and "
       "gives the first positions.",
       ["Make the producers of {relation} write each value as a JSON object (found: {kinds}), or "
        "convert the values to JSON on another topic or stream (a Kafka Connect or stream "
        "processing job) and point the flow at that.",
        "See the records: {preview}"], DATA_OWNER),
    _c("records.too_large", "A record is larger than the platform takes", F,
       "The platform takes a record value of at most 1,000,000 bytes (1 MB, --target aep); a "
       "larger record is refused when the flow reads it. The evidence has the largest values and "
       "their positions.",
       ["Make the producers of {relation} keep each value under {limit} bytes (largest seen: "
        "{largest} bytes): split the record, or store the large payload elsewhere and send a "
        "reference."], DATA_OWNER),
    # --- kinesis (Amazon Kinesis) ---
    _c("kinesis.stream_not_found", "The stream does not exist in that region", F,
       "DescribeStream answered ResourceNotFoundException: no stream of that name exists in the "
       "region the request went to (names are case-sensitive, and each region has its own "
       "streams). When the keys may list streams, the evidence has the closest names.",
       ["Check the stream name {stream} and the region {region}; close names there: {close}.",
        "List the streams: aws kinesis list-streams --region {region}{endpoint_option}"], USER),
    _c("kinesis.access_denied", "The keys lack a Kinesis permission the platform needs", F,
       "The service refused an action (AccessDenied): the keys' IAM policy does not allow it on "
       "the stream. The platform describes the stream, lists its shards, takes a shard iterator "
       "and reads records (kinesis:DescribeStream, kinesis:DescribeStreamSummary, "
       "kinesis:ListShards, kinesis:GetShardIterator, kinesis:GetRecords) and lists streams "
       "(kinesis:ListStreams). The evidence names the refused action and the stream ARN.",
       ["Attach the minimal policy in the finding's fix to the user of the access key."],
       IAM_ADMIN),
    _c("kinesis.invalid_access_key", "The service does not accept the access key", F,
       "The request was refused before any permission was judged (UnrecognizedClientException, "
       "InvalidClientTokenId, ExpiredToken): the access key ID does not exist, is deactivated, "
       "belongs to another partition, or temporary keys were given without (or with an expired) "
       "session token.",
       ["Copy the access key ID again from the IAM console, and check it is active: "
        "aws iam list-access-keys --user-name USER",
        "For temporary keys (ASIA…), give their session token too (--session-token-env VAR).",
        "Check the region ({region}) belongs to the same partition as the key."], USER),
    _c("kinesis.signature_mismatch", "The request signature does not match", F,
       "The access key ID exists but the signature computed with the secret does not match "
       "(InvalidSignatureException / SignatureDoesNotMatch): the secret is wrong, or a proxy "
       "rewrites the request between here and the endpoint.",
       ["Copy the secret access key again (it is shown only once: create a new key if lost).",
        "If a proxy sits in between, make it pass requests to {endpoint} unchanged."], USER),
    _c("kinesis.stream_empty", "The stream holds no records", W,
       "Reading from TRIM_HORIZON (the oldest record the stream keeps) returned no records: "
       "nothing was written yet, or everything is older than the stream's retention. There is "
       "nothing to preview, and a flow would ingest nothing until producers write.",
       ["Check that producers write to {stream} in {region} (not to a similarly named stream "
        "or another region).",
        "Check the retention: aws kinesis describe-stream-summary --stream-name {stream} "
        "--region {region}"], DATA_OWNER),
    _c("kinesis.request_failed", "The endpoint did not answer like Kinesis", F,
       "A request got no Kinesis answer: the connection dropped or was reset, a web server or "
       "proxy answered instead, or the service returned an error this tool does not know. The "
       "evidence has the error code, HTTP status and message as received.",
       ["Check that the endpoint is the Kinesis API endpoint of the region "
        "(https://kinesis.{region}.amazonaws.com) or leave --endpoint-url out.",
        "Try the same request with the AWS CLI: aws kinesis describe-stream --stream-name "
        "{stream} --region {region} --endpoint-url {endpoint}"], USER),
    # --- eventhubs (Azure Event Hubs (settings only)) ---
    _c("eventhubs.namespace_invalid", "The Event Hubs namespace is not a namespace name", F,
       "The namespace must be the namespace's own name (6-50 letters, digits and hyphens, starting "
       "with a letter, not ending with a hyphen) or its host NAME.servicebus.windows.net. A URL, a "
       "portal link or another host was given.",
       ["Give the namespace name as the Azure portal shows it (Event Hubs → Namespace), e.g. "
        "{suggestion}."], USER),
    _c("eventhubs.connection_string_invalid", "The connection string is malformed", F,
       "An Event Hubs connection string is Endpoint=sb://NAMESPACE.servicebus.windows.net/;"
       "SharedAccessKeyName=NAME;SharedAccessKey=KEY[;EntityPath=HUB], ';'-separated key=value "
       "pairs. The evidence names the part that is missing or wrong (never the key).",
       ["Copy the connection string again (Azure portal → the namespace or event hub → Shared access "
        "policies → the policy → Connection string–primary key) without surrounding quotes."], USER),
    _c("eventhubs.sas_key_invalid", "The SAS key is not a shared access key", F,
       "A SharedAccessKey is 44 base64 characters (32 bytes); the value given does not decode to "
       "that (cut short, a quote or space pasted with it, or the key name given as the key).",
       ["Copy the primary key of the policy {key_name} again (Shared access policies → the policy "
        "→ Primary key)."], USER),
    _c("eventhubs.entity_path_mismatch", "The connection string names another event hub", F,
       "The connection string's EntityPath (an event-hub-level policy) names a different event hub "
       "than the one configured: the policy grants access to that hub only.",
       ["Use the event hub {entity_path} named by the connection string, or a connection string of "
        "a policy on {event_hub} (or a namespace-level one)."], USER),
    _c("eventhubs.name_invalid", "The event hub or consumer group name breaks Azure's rules", F,
       "Event hub names are 1-256 characters of letters, digits, periods, hyphens and underscores, "
       "starting and ending with a letter or digit; consumer group names are 1-50 of the same. "
       "The evidence names the field and the rule.",
       ["Give the exact name as the Azure portal shows it ({field})."], USER),
    _c("eventhubs.consumer_group_default", "The $Default consumer group is shared", W,
       "The platform reads as one consumer of the consumer group. $Default is what every other "
       "reader uses unless told otherwise, and two readers of one group take partitions (and "
       "events) from each other.",
       ["Create a consumer group for the platform only (Event Hubs → the hub → Consumer groups → "
        "+ Consumer group) and give its name."], USER),
    # --- pubsub (Google Pub/Sub (settings only)) ---
    _c("pubsub.project_id_invalid", "The project id breaks Google Cloud's rules", F,
       "A project id is 6-30 characters: lower-case letters, digits and hyphens, starting with a "
       "letter and not ending with a hyphen. A project name or number, or a full resource path, "
       "was given.",
       ["Give the project ID (not its name) as `gcloud projects list` shows it, e.g. {suggestion}."],
       USER),
    _c("pubsub.name_invalid", "The topic or subscription name breaks Pub/Sub's rules", F,
       "Topic and subscription ids are 3-255 characters of letters, digits and - _ . ~ + %, "
       "starting with a letter, and not starting with 'goog'. A full path "
       "projects/P/subscriptions/S is accepted and split.",
       ["Give the id as `gcloud pubsub {kind}s list` shows it ({field})."], USER),
    _c("pubsub.credentials_not_json", "The service-account key is not one JSON object", F,
       "The pasted credentials do not parse as one JSON object: typographic (smart) quotes from a "
       "word processor or chat, text before or after the object, a truncated paste, or a file "
       "path where the JSON content belongs. The platform documents mangled pasted JSON as a "
       "failure cause. The evidence has the position (never the content).",
       ["Paste the key file's content unchanged: --credentials-env VAR with "
        "VAR=\"$(cat key.json)\" (open the file in a plain-text editor; replace “ ” with \").",
        "Check it with: jq -e .type key.json"], USER),
    _c("pubsub.credentials_incomplete", "The JSON is not a service-account key", F,
       "The JSON parses but is not a service-account key: type must be \"service_account\", and "
       "project_id, private_key, private_key_id and client_email (NAME@PROJECT.iam."
       "gserviceaccount.com) must be present. A user credential, an OAuth client secret or an API "
       "key file was given.",
       ["Create a key for the service account (IAM → Service accounts → the account → Keys → Add "
        "key → JSON) and paste that file ({missing})."], USER),
    _c("pubsub.private_key_mangled", "The private key in the JSON is mangled", F,
       "The private_key is not a PEM block: its line breaks were flattened (spaces, or a literal "
       "backslash-n escaped twice) when the JSON was pasted, or its BEGIN/END lines are missing. "
       "Google's libraries cannot load it and authentication fails.",
       ["Paste the key file's content unchanged (its private_key holds \\n escapes inside one "
        "JSON string); do not re-type or re-wrap it.",
        "Or create a new key for {client_email}."], USER),
    _c("pubsub.project_mismatch", "The key belongs to another project", W,
       "The service-account key's project_id differs from the project configured. That works only "
       "when the account was granted roles/pubsub.subscriber on the other project's subscription; "
       "usually the wrong key or project was picked.",
       ["Check the project ({project_id}) and the key's project ({key_project}); grant the account "
        "roles/pubsub.subscriber on the subscription if the split is intended."], USER),
    # --- the tool itself ------------------------------------------------------------------------
    _c("check.timeout", "A check exceeded its time budget", F,
       "The check did not finish within its time budget, so its layer could not be judged. "
       "Something along the way is slow or hanging.",
       ["Re-run with a larger --timeout to tell a slow server from a hanging one."], USER),
    _c("check.internal_error", "A bug in sourcedoctor", E,
       "The check crashed. This is a bug in sourcedoctor, not a problem with the source; the "
       "traceback id links to the traceback kept in the report.",
       ["Report it with the JSON report attached (traceback id {traceback_id})."], SOURCEDOCTOR),
)

CATALOGUE: dict[str, CodeInfo] = {entry.code: entry for entry in _ENTRIES}


def info(code: str) -> CodeInfo:
    """The catalogue entry for ``code``; raises KeyError for an unknown code (a bug, not input)."""
    return CATALOGUE[code]


def make_finding(
    code: str,
    summary: str,
    *,
    evidence: Evidence | None = None,
    fix: Sequence[str] | None = None,
    severity: Severity | None = None,
    detail: str | None = None,
    **fix_values: Any,
) -> Finding:
    """Build a Finding for a catalogued code, filling the fix template from ``fix_values``.

    ``fix`` replaces the template entirely when a check knows better (e.g. the exact command).
    """
    entry = CATALOGUE[code]
    return Finding(
        code=code,
        severity=entry.severity if severity is None else severity,
        summary=summary,
        detail=entry.explanation if detail is None else detail,
        evidence=dict(evidence or {}),
        fix=tuple(fix) if fix is not None else entry.fix_steps(**fix_values),
        audience=entry.audience,
    )


def render_markdown() -> str:
    """The ``docs/codes.md`` page, generated from the catalogue (a test keeps the file in sync)."""
    lines = [
        "# Finding codes",
        "",
        "<!-- generated by `python -m sourcedoctor.codes > docs/codes.md`; do not edit by hand -->",
        "",
        "Every non-passing finding carries one of these stable codes. Codes never change meaning; new "
        "ones may be added. Severity is the default; a target profile may tighten it.",
        "",
    ]
    layer = ""
    for entry in _ENTRIES:
        if entry.layer != layer:
            layer = entry.layer
            lines += [f"## {layer}", ""]
        lines += [
            f"### `{entry.code}` — {entry.title}",
            "",
            f"*Default severity:* {entry.severity.label} · *Who acts:* {entry.audience}",
            "",
            entry.explanation,
            "",
            "**Fix:**",
            "",
        ]
        lines += [f"{n}. {step}" for n, step in enumerate(entry.fix, 1)]
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - exercised through the docs freshness test
    print(render_markdown(), end="")
