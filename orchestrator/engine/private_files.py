"""Files that hold sheet data (checkpoints, snapshot spill files, dumps, rehearsal workbooks): 0600 in 0700
folders, and every local write failure as a `LocalIOError` naming the path.

Every cell of the production sheet ends up in these files, so nobody else on the machine may read them. Folders
the tool creates are 0700; a folder the tool made before with a wider mode (an older version, a umask) is
tightened; a folder the operator made (the checkpoint root they named, the folder of a `--output`) is left as
it is: the tool's own folder inside it is private already.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

FILE_MODE = 0o600
DIR_MODE = 0o700

# What a user's machine can do to a write: not a bug in the tool.
LOCAL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EACCES, errno.EPERM, errno.EROFS,
                          errno.ENOTDIR, errno.EISDIR, errno.ENAMETOOLONG, errno.ELOOP, errno.EMFILE, errno.ENFILE,
                          errno.EIO})


class LocalIOError(OSError):
    """A local file or folder cannot be written or read; `path` names it, the message says what to do."""

    def __init__(self, path: Path | str, cause: OSError, doing: str = "write") -> None:
        reason = _reason(cause)
        super().__init__(cause.errno, f"cannot {doing} {path}: {reason}. {_fix(cause)}")
        self.path = str(path)
        self.cause = cause

    def __str__(self) -> str:
        return str(self.args[1])


def _reason(cause: OSError) -> str:
    text = cause.strerror or str(cause) or type(cause).__name__
    inner = getattr(cause, "filename", None)
    return f"{text} ({inner})" if inner else text


def _fix(cause: OSError) -> str:
    if cause.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return "Free space on that disk (or point the setting at another disk), then rerun: the run resumes."
    if cause.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "Make that folder writable for this user (or choose another one), then rerun."
    if cause.errno in (errno.ENOTDIR, errno.EEXIST, errno.EISDIR):
        return "A file stands where a folder must be (or the other way round): move it aside or choose another path."
    return "Check that path and the disk, then rerun."


def is_local_failure(exc: BaseException) -> bool:
    """An OSError of the machine (disk, permissions), not of the network."""
    return (isinstance(exc, OSError) and not isinstance(exc, (ConnectionError, TimeoutError))
            and exc.errno in LOCAL_ERRNOS)


def private_dir(path: Path, *, inside: Path | None = None) -> Path:
    """Create `path` and its missing parents as 0700 folders. Existing folders strictly below `inside` are the
    tool's own and are narrowed to 0700; `inside` and what is above it are the operator's and keep their mode."""
    missing: list[Path] = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    try:
        for folder in reversed(missing):
            try:
                folder.mkdir(mode=DIR_MODE)
            except FileExistsError:
                if not folder.is_dir():
                    raise
            os.chmod(folder, DIR_MODE)  # mkdir's mode is filtered by the umask
        if not path.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(path))
        if inside is not None:
            for folder in [path, *path.parents]:
                if inside not in folder.parents:
                    break
                if folder not in missing and folder.stat().st_mode & 0o077:
                    os.chmod(folder, DIR_MODE)
    except OSError as exc:
        raise LocalIOError(path, exc, "create the folder") from exc
    return path


@contextmanager
def open_private(path: Path, *, inside: Path | None = None) -> Iterator[TextIO]:
    """`path` opened for writing text, created (or truncated) 0600 in a private folder (`private_dir`);
    a failure to create or write it is a `LocalIOError` naming it."""
    private_dir(path.parent, inside=inside)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        os.fchmod(fd, FILE_MODE)  # a file that existed keeps its old mode through O_CREAT
        out = os.fdopen(fd, "w", encoding="utf-8")
    except OSError as exc:
        raise LocalIOError(path, exc) from exc
    try:
        with out:
            yield out
    except OSError as exc:
        if isinstance(exc, LocalIOError) or not is_local_failure(exc):
            raise
        raise LocalIOError(path, exc) from exc
