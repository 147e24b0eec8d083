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
       ["Check the port number ({port}): SFTP is usually 22, HTTPS 443.",
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
    _c("tls.plaintext", "The endpoint is plain HTTP", W,
       "The endpoint URL starts with http://: keys are signed, not sent, but every object travels "
       "unencrypted, and cloud platforms usually require https.",
       ["Use the endpoint's https:// URL."], USER),
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
