"""The SFTP connector: plan of checks from DNS to the sampled bytes, sharing one SSH connection.

``plan.build_plan`` lists the checks; ``state.SftpState`` is what they share; ``session`` drives the
one SSH connection; ``wire`` reads the clear-text handshake; ``hostkeys`` verifies the server.
"""
