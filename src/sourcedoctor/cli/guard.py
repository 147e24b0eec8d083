"""The process boundary of every command: whatever escapes a command ends as a documented exit code
and one line on stderr, never as a raw traceback.

- Ctrl+C anywhere (also click's ``Abort`` it turns into) → 130.
- click usage errors → 2 with click's message.
- An output that cannot be written (``> /dev/full``, a closed pipe) → 2, one line.
- Anything else is a bug: exit 3, one line naming the exception type and a traceback id; the
  traceback (secrets masked) is saved to a private temporary file the user can attach to a bug
  report. The id is a hash of the frames, so the same bug gets the same id on every machine.

With ``SOURCEDOCTOR_DEBUG=1`` (and under pytest, so tests see the real traceback of a bug) the
unexpected exception is re-raised instead of being summarised.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import signal
import sys
import tempfile
import traceback
from collections.abc import Callable
from typing import Any

import click

from ..exitcodes import ExitCode

#: errno values that mean "the output cannot take more" rather than a bug.
_OUTPUT_ERRNOS = frozenset({errno.ENOSPC, errno.EPIPE, errno.EIO, errno.EFBIG, errno.EDQUOT})


def debugging() -> bool:
    """Re-raise unexpected exceptions (a developer, or a test run that must see the bug)."""
    return os.environ.get("SOURCEDOCTOR_DEBUG") == "1" or "PYTEST_CURRENT_TEST" in os.environ


def _say(message: str) -> None:
    """One line on stderr; stderr itself may be full or closed, which must not raise again."""
    from ..report.escape import for_terminal  # a file name may carry control characters

    try:
        sys.stderr.write(for_terminal(message.rstrip("\n")) + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail a second time."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real file descriptor (a test's buffer)
        pass


def traceback_id(exc: BaseException) -> str:
    """A short id of where the exception came from (type and frames, never values)."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = "|".join(f"{os.path.basename(f.filename)}:{f.name}:{f.lineno}" for f in frames)
    return hashlib.sha256(f"{type(exc).__name__}|{where}".encode()).hexdigest()[:10]


def _save_traceback(exc: BaseException, tid: str) -> str | None:
    """Write the masked traceback to a 0600 temporary file; its path, or None if that failed."""
    try:
        from ..config.secrets import Redactor

        text = Redactor().text("".join(traceback.format_exception(exc)))
        fd, path = tempfile.mkstemp(prefix=f"sourcedoctor-crash-{tid}-", suffix=".txt")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        return path
    except Exception:  # the report of a crash must not crash
        return None


def _output_error(exc: OSError) -> int | None:
    """Exit code for an OSError that is about the output or a named file; None for a bug."""
    if isinstance(exc, BrokenPipeError):
        _silence_stdout()  # the reader left (e.g. `| head`): nothing to say, no second error
        return ExitCode.USAGE
    if exc.errno in _OUTPUT_ERRNOS and not exc.filename:
        _silence_stdout()
        _say(f"error: output: cannot write ({exc.strerror}); write somewhere else")
        return ExitCode.USAGE
    if debugging():  # a named file a command did not handle itself: tests must see where
        return None
    if exc.filename:
        _say(f"error: {exc.filename}: {exc.strerror}")
        return ExitCode.USAGE
    return None


def _exit_code(value: Any) -> int:
    if value is None:
        return ExitCode.OK
    if isinstance(value, int):
        return value
    _say(str(value))  # sys.exit("message") convention
    return ExitCode.FAILED


def _caused_by_interrupt(exc: BaseException) -> bool:
    """A KeyboardInterrupt somewhere in ``exc``'s chain of causes."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def run_guarded(invoke: Callable[..., Any], *args: Any, **kwargs: Any) -> int:
    """Call click's ``main(..., standalone_mode=False)`` and turn every outcome into an exit code."""
    try:
        code = _exit_code(invoke(*args, standalone_mode=False, **kwargs))
    except SystemExit as exc:
        code = _exit_code(exc.code)
    except click.exceptions.Abort as exc:
        if isinstance(exc.__cause__, EOFError):
            _say("error: input ended while a value was asked for; give it as an option")
            return ExitCode.USAGE
        _say("interrupted")
        return ExitCode.INTERRUPTED
    except click.ClickException as exc:
        exc.show()
        return ExitCode.USAGE
    except KeyboardInterrupt:
        _say("interrupted")
        return ExitCode.INTERRUPTED
    except OSError as exc:
        handled = _output_error(exc)
        if handled is None:
            return _crash(exc)
        return handled
    except RecursionError:
        # Only hostile input nests this deep (a JSON or TOML file); each reader should name its
        # field, and this is the net under the ones that do not.
        if debugging():
            raise
        _say("error: input nested too deeply to be read; give a flatter file")
        return ExitCode.USAGE
    except Exception as exc:
        if _caused_by_interrupt(exc):
            # Ctrl+C inside an import, wrapped by Python (a dataclass field's __set_name__ turns
            # it into RuntimeError): an interrupt, not a bug.
            _say("interrupted")
            return ExitCode.INTERRUPTED
        return _crash(exc)
    # Data on stdout must really have been written: a full disk is an error, not a success.
    try:
        sys.stdout.flush()
    except OSError as exc:
        if code != ExitCode.OK:  # the command already failed and said why; one line is enough
            _silence_stdout()
            return code
        handled = _output_error(exc)
        return handled if handled is not None else ExitCode.USAGE
    except ValueError:  # stdout already closed by the command
        pass
    return code


def _crash(exc: BaseException) -> int:
    if debugging():
        raise exc
    tid = traceback_id(exc)
    path = _save_traceback(exc, tid)
    where = f"; traceback in {path}" if path else ""
    _say(f"error: internal error ({type(exc).__name__}), a bug in sourcedoctor — traceback id "
         f"{tid}{where}; please report it with that file")
    return ExitCode.INTERNAL


def guarded_main(invoke: Callable[..., Any], *args: Any, standalone_mode: bool = True,
                 **kwargs: Any) -> Any:
    """What ``sourcedoctor``'s click group runs as ``main``; non-standalone callers (tests using
    ``standalone_mode=False``) get click's own behaviour."""
    if not standalone_mode:
        return invoke(*args, standalone_mode=False, **kwargs)
    # From here on Ctrl+C is a KeyboardInterrupt again (see cli/__init__.py), which the commands
    # (asyncio's handler, DuckDB's interrupt) and run_guarded turn into exit 130.
    from . import _interrupted_while_starting

    if signal.getsignal(signal.SIGINT) is _interrupted_while_starting:
        with contextlib.suppress(ValueError):  # not the main thread
            signal.signal(signal.SIGINT, _remembered_interrupt)
            sys.unraisablehook = _quiet_lost_interrupt
    sys.exit(run_guarded(invoke, *args, **kwargs))


_python_unraisablehook = sys.unraisablehook


def _quiet_lost_interrupt(unraisable: Any) -> None:
    """A Ctrl+C raised where Python cannot propagate it (a weakref callback of the import
    machinery): remembered (:func:`interrupted`), not printed as "Exception ignored"."""
    if isinstance(unraisable.exc_value, KeyboardInterrupt):
        return
    _python_unraisablehook(unraisable)


#: Set by a Ctrl+C once the command runs: a KeyboardInterrupt raised inside a weakref callback or
#: a ``__del__`` (a lazy import's module lock has one) is printed as "Exception ignored" and lost,
#: so the command asks :func:`interrupted` before it starts work that would outlive it.
_INTERRUPTED = False


def _remembered_interrupt(signum: int, frame: object) -> None:
    global _INTERRUPTED
    _INTERRUPTED = True
    raise KeyboardInterrupt


def interrupted() -> bool:
    """Whether Ctrl+C was pressed since the command started (even if its exception was lost)."""
    return _INTERRUPTED
