"""Writing the files a user asks for: one rule for every ``--output``-like option.

* An existing path is refused unless the user gave ``--force``; nothing is ever overwritten by
  surprise (``lake export --csv orig.csv`` once replaced the source CSV).
* New content is written to a temporary file beside the target and then put in place, so a failed
  write leaves neither a half-written file nor a damaged original.
* Files we create holding key material are mode 0600 from the start. A file we did not create is
  never chmod-ed: with ``--force`` an existing *regular* file is replaced by our new file (which
  takes the old file's permission bits, or 0600 for key material), and a non-regular target the
  user named on purpose (``/dev/null``, a terminal) is written into as it is, mode untouched.
* A directory is always refused; a FIFO is opened non-blocking so a missing reader is an error,
  not a hang.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .userfiles import kind_of


class OutputRefused(ValueError):
    """The output cannot be written; ``field`` names the option, the message says what to do."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _existing_mode(path: Path) -> int | None:
    try:
        return os.stat(path).st_mode
    except FileNotFoundError:
        return None
    except OSError:
        return None  # the write below reports the real problem


def claim_output(path: str | os.PathLike[str], field: str, *, force: bool) -> None:
    """Refuse ``path`` before any work is done if the rule forbids writing it."""
    p = Path(path)
    mode = _existing_mode(p)
    if mode is None and p.is_symlink():
        raise OutputRefused(field, f"{p} is a dangling symbolic link; remove it or choose another name")
    if mode is None:
        return
    if stat.S_ISDIR(mode):
        raise OutputRefused(field, f"{p} is a directory; give a file name inside it")
    if not force:
        raise OutputRefused(field, f"{p} exists; choose another name or add --force to replace it")


@contextmanager
def staged_output(path: str | os.PathLike[str], field: str, *, force: bool,
                  secret: bool = False) -> Iterator[Path]:
    """Yield a fresh temporary path to write; on success it becomes ``path`` (see module rule).

    ``secret``: the file holds key material and is created with mode 0600.
    Raises :class:`OutputRefused` for an existing file without ``force``, a directory, or a
    failed write; the temporary file is removed whatever happens.
    """
    target = Path(path)
    claim_output(target, field, force=force)
    parent = target.parent if str(target.parent) else Path(".")
    try:
        # The target's name ends the temporary one: writers that look at the extension (DuckDB
        # compresses "out.csv.gz") see the same one.
        fd, tmp_name = tempfile.mkstemp(prefix=".sd-part-", suffix=f"-{target.name}", dir=parent)
    except OSError as exc:
        raise OutputRefused(field, f"cannot create {target} ({exc.strerror}); choose another path"
                            ) from None
    tmp = Path(tmp_name)
    try:
        os.close(fd)
        if not secret:
            # mkstemp makes 0600; an ordinary output gets the usual mode the umask allows.
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        yield tmp
        _publish(tmp, target, field, force=force, secret=secret)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _publish(tmp: Path, target: Path, field: str, *, force: bool, secret: bool) -> None:
    mode = _existing_mode(target)
    try:
        if mode is not None and not stat.S_ISREG(mode):
            if not force:
                raise OutputRefused(field, f"{target} exists; choose another name or add --force")
            _copy_into_special(tmp, target, field, mode)
        elif force:
            if mode is not None and not secret:
                # The replacement (our file) keeps the permissions the user gave the old one.
                os.chmod(tmp, stat.S_IMODE(mode))
            os.replace(tmp, target)
        else:
            _link_no_clobber(tmp, target, field)
    except OSError as exc:
        raise OutputRefused(field, f"cannot write {target} ({exc.strerror}); choose another path"
                            ) from None


def _link_no_clobber(tmp: Path, target: Path, field: str) -> None:
    """Put ``tmp`` at ``target`` only if nothing appeared there meanwhile."""
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise OutputRefused(field, f"{target} exists; choose another name or add --force") from None
    except OSError:
        # A file system without hard links: the claim above already checked; rename is the best left.
        if os.path.lexists(target):
            raise OutputRefused(field, f"{target} exists; choose another name or add --force"
                                ) from None
        os.replace(tmp, target)


def _copy_into_special(tmp: Path, target: Path, field: str, mode: int) -> None:
    """Write into a device or FIFO the user named with --force; never chmod, never block."""
    if stat.S_ISDIR(mode) or stat.S_ISSOCK(mode):
        raise OutputRefused(field, f"{target} is {kind_of(mode)}; give a file name")
    flags = os.O_WRONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(target, flags)
    except OSError as exc:
        raise OutputRefused(field, f"cannot write {target} ({exc.strerror}); "
                            f"it is {kind_of(mode)} with nobody reading it") from None
    try:
        os.set_blocking(fd, True)  # the open could not hang; the writes may wait for a reader
        with open(tmp, "rb") as src:
            while chunk := src.read(1 << 16):
                view = memoryview(chunk)
                while view:
                    view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def write_output(path: str | os.PathLike[str], data: bytes | str, field: str, *, force: bool,
                 secret: bool = False) -> None:
    """Write ``data`` (str as UTF-8) to ``path`` under the output rule (see module docstring)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with staged_output(path, field, force=force, secret=secret) as tmp:
        try:
            with open(tmp, "wb") as fh:
                fh.write(raw)
        except OSError as exc:
            raise OutputRefused(field, f"cannot write {path} ({exc.strerror}); choose another path"
                                ) from None
