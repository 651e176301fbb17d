"""Writing an output file whole or not at all: written beside its place, then renamed in (a set of files: all or none)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["write_all", "write_whole"]


def write_whole(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path``: beside it first, then renamed into place, so ``path`` is either
    the whole new file or untouched. Raises OSError when it cannot be written."""
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def write_all(files: dict[Path, bytes]) -> None:
    """Write several files together: every one beside its place first, then all renamed into place,
    so a failed write (a full disk) leaves every one of them as it was. Raises OSError."""
    written: list[tuple[str, Path]] = []
    try:
        for path, data in files.items():
            fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
            written.append((temporary, path))
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temporary, 0o644)
    except BaseException:
        for temporary, _ in written:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        raise
    for temporary, path in written:
        os.replace(temporary, path)
