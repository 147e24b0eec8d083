"""The FTP connector's own layers (greeting, login, data channel, folder, listing, files)."""
