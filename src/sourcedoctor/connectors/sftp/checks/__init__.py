"""The SFTP connector's own layers: SSH banner, key, transport, compatibility, host key, auth, the SFTP
subsystem, folder, files and parallel logins (the shared DNS, TCP, sample and format layers are in
:mod:`sourcedoctor.checks`)."""
