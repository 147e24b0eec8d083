"""MySQL and MariaDB: ``mysql://USER@HOST:3306/DB?table=T`` (also ``mariadb://``); see docs/mysql.md.

PyMySQL is imported only when a run reaches the login layer (:mod:`.client`); the protocol and TLS
layers read the server's greeting themselves (:mod:`.wire`).
"""
