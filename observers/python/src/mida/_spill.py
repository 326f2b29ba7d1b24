"""Append-only spill files, the same layout as the Java emitter's ``SpillFile`` (so a shared spill dir
works across languages): one stream entry per line (a JSON array of events) in emitted order, named
``<prefix>-<millis:013d>-<pid>-<n>.spill.jsonl`` so names sort oldest first. The owner holds an
exclusive POSIX record lock (``fcntl.lockf``, the same lock Java's ``FileChannel.tryLock`` takes on
Linux) for as long as it is open: a file that can be locked belongs to a process that is gone.
Each append is forced to disk before it returns. Flusher thread only (not thread-safe).
"""

from __future__ import annotations

import itertools
import json
import os
import threading
import time
from typing import List, NamedTuple, Optional

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no locking, one process per spill dir
    fcntl = None  # type: ignore[assignment]

SUFFIX = ".spill.jsonl"
_BINARY = getattr(os, "O_BINARY", 0)  # Windows: no newline translation
#: dead letters that could not reach Redis (Python only; the Java emitter ignores these files)
DEAD_SUFFIX = ".dead.jsonl"
_READ_CHUNK = 1 << 20
_counter = itertools.count()

# POSIX record locks belong to the process, and closing any descriptor of a file drops them: a
# second emitter of this process must never open (and later close) a file this process holds.
_held: set = set()
_held_lock = threading.Lock()


def _forget_held_after_fork() -> None:
    # locks are not inherited: the child holds nothing, but the parent's files stay the parent's
    # (the child cannot lock them while the parent lives, so it leaves them alone anyway)
    global _held_lock
    _held_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_held_after_fork)


class Line(NamedTuple):
    entry: str
    events: int
    end: int


class SpillFile:
    def __init__(self, path: str, fd: int):
        self.path = path
        self._fd = fd
        self._read_offset = 0

    @classmethod
    def create(cls, directory: str, prefix: str, suffix: str = SUFFIX) -> "SpillFile":
        os.makedirs(directory, exist_ok=True)
        for _attempt in range(10):
            name = f"{prefix}-{int(time.time() * 1000):013d}-{os.getpid()}-{next(_counter)}{suffix}"
            path = os.path.join(directory, name)
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | _BINARY, 0o600)
            except FileExistsError:
                continue
            if not _lock(fd):
                os.close(fd)
                raise OSError(f"cannot lock new spill file {path}")
            with _held_lock:
                _held.add(path)
            return cls(path, fd)
        raise OSError(f"cannot create a spill file in {directory}")

    @classmethod
    def claim(cls, path: str) -> Optional["SpillFile"]:
        """Locks a file left by another emitter; None when a live process (or this one) holds it."""
        with _held_lock:
            if path in _held:
                return None
            try:
                fd = os.open(path, os.O_RDWR | _BINARY)
            except FileNotFoundError:
                return None
            if not _lock(fd):
                os.close(fd)
                return None
            _held.add(path)
        return cls(path, fd)

    @staticmethod
    def list(directory: str, suffix: str = SUFFIX) -> List[str]:
        """The spill files in ``directory``, oldest first."""
        try:
            names = os.listdir(directory)
        except FileNotFoundError:
            return []
        return [os.path.join(directory, n) for n in sorted(names) if n.endswith(suffix)]

    def append(self, entries: List[str]) -> None:
        data = "".join(e + "\n" for e in entries).encode("utf-8")
        pos = os.fstat(self._fd).st_size
        view = memoryview(data)
        while view:
            n = _pwrite(self._fd, view, pos)
            pos += n
            view = view[n:]
        (os.fdatasync if hasattr(os, "fdatasync") else os.fsync)(self._fd)

    def read_all(self) -> List[str]:
        """Every complete line (for the small dead-letter files)."""
        size = os.fstat(self._fd).st_size
        data = _pread(self._fd, size, 0) if size else b""
        return [x for x in data.decode("utf-8", errors="replace").split("\n")[:-1] if x.strip()]

    def has_pending(self) -> bool:
        return self._read_offset < os.fstat(self._fd).st_size

    def next(self, max_lines: int) -> List[Line]:
        """Up to ``max_lines`` complete lines from the read offset, not consumed yet. A torn last line
        (a write cut short by a crash) comes back as an entry of 0 events, so it gets skipped."""
        out: List[Line] = []
        pos = self._read_offset
        size = os.fstat(self._fd).st_size
        chunk = _READ_CHUNK
        while len(out) < max_lines and pos < size:
            data = _pread(self._fd, min(chunk, size - pos), pos)
            start = 0
            while len(out) < max_lines:
                nl = data.find(b"\n", start)
                if nl < 0:
                    break
                line = data[start:nl].decode("utf-8", errors="replace")
                out.append(Line(line, count_events(line), pos + nl + 1))
                start = nl + 1
            if start == 0:
                if pos + len(data) >= size:  # no newline up to the end: a torn write
                    out.append(Line("", 0, size))
                    break
                chunk *= 2  # a line longer than the chunk
                continue
            pos += start
        return out

    def advance(self, offset: int) -> None:
        self._read_offset = offset

    def reset(self) -> None:
        """Empties the file once everything in it is sent, so it does not grow forever."""
        os.ftruncate(self._fd, 0)
        os.fsync(self._fd)
        self._read_offset = 0

    def close(self) -> None:
        if self._fd < 0:
            return
        try:
            os.close(self._fd)  # drops the lock
        finally:
            self._fd = -1
            with _held_lock:
                _held.discard(self.path)

    def abandon(self) -> None:
        """In a forked child: let go of the parent's descriptor without touching the file."""
        if self._fd >= 0:
            try:
                os.close(self._fd)  # a child's close drops no lock of the parent's
            except OSError:
                pass
            self._fd = -1

    def delete(self) -> None:
        if fcntl is None:  # Windows cannot remove an open file
            self.close()
        try:
            os.unlink(self.path)  # while still locked, so nobody claims it in between
        except FileNotFoundError:
            pass
        self.close()


def _pwrite(fd: int, data: memoryview, pos: int) -> int:
    if hasattr(os, "pwrite"):
        return os.pwrite(fd, data, pos)
    os.lseek(fd, pos, os.SEEK_SET)  # Windows: one thread uses the file, so seek + write is safe
    return os.write(fd, data)


def _pread(fd: int, n: int, pos: int) -> bytes:
    if hasattr(os, "pread"):
        return os.pread(fd, n, pos)
    os.lseek(fd, pos, os.SEEK_SET)
    return os.read(fd, n)


def _lock(fd: int) -> bool:
    if fcntl is None:
        return True
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


def count_events(line: str) -> int:
    """How many events a line (a JSON array, or one object) holds; 0 when it is not valid JSON."""
    try:
        v = json.loads(line)
    except ValueError:
        return 0
    if isinstance(v, dict):
        return 1
    if isinstance(v, list):
        return len(v)
    return 0
