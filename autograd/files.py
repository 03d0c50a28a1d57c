"""Writing files atomically: a crash or an error mid-write leaves the old file intact."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from typing import Any


def check_path(path: Any, name: str = "path") -> str:
    """``os.fspath(path)``, or a TypeError naming the argument when it is not a path."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{name} must be a str or os.PathLike file path, got {type(path).__name__}")
    return os.fspath(path)  # type: ignore[return-value]


def write_atomic(path: str | os.PathLike[str], data: bytes) -> str:
    """Write ``data`` to a temporary file beside ``path``, flush it to disk, then rename it over ``path``.

    The file keeps the permissions of the one it replaces (a new one gets 0o644 less the umask).
    Returns the absolute path written.
    """
    target = os.path.abspath(check_path(path))
    if os.path.isdir(target):
        raise IsADirectoryError(errno.EISDIR, "this is a directory: give a file name inside it", target)
    if not os.path.isdir(os.path.dirname(target)):
        raise FileNotFoundError(errno.ENOENT, "no such directory to write into (create it first)", target)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o644 & ~umask
    folder, prefix = os.path.dirname(target), "." + os.path.basename(target) + "."
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=prefix, suffix=".tmp")
    except OSError as e:  # its message would name the temporary file, not the user's
        raise type(e)(e.errno, f"cannot create a file in this directory ({e.strerror})", target) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return target
