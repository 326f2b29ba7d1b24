"""Sends events to the MIDA stream without ever making the caller wait on I/O.

:meth:`Emitter.emit` appends the event to an in-memory buffer and returns; a daemon thread validates
(:mod:`mida.wire`), encodes and flushes by size or age, one pipelined Redis round trip per flush, as
entries ``{"event": <JSON array of at most events_per_entry events>}``. The flush size follows the
event rate: a high rate gets large batches; rare events go out at the flusher's next tick (a quarter
of ``flush_interval_s``, 50 ms by default). :meth:`Emitter.emit` wakes the flusher only for a batch of
at least ``_WAKE_AT_LEAST`` events: waking a thread costs the caller the GIL hand-over (tens of µs),
which on a Dask worker's event loop lies on the critical path of every task.

When Redis is unreachable, events go to an append-only spill file (one JSON array per line, forced
to disk) in ``spill_dir`` and are replayed in order, before any newer event, once Redis answers.
Spill files left by a dead process are replayed at start. Events the wire format refuses are counted
``rejected`` and written to ``<stream>:dead`` (reason, stream, at, event). Everything buffered is sent
at interpreter exit, and after ``os.fork`` the child starts with an empty buffer, its own thread and
its own connection. Thread-safe; one emitter per process is enough (:func:`get_default`).

:meth:`Emitter.emit_deferred` holds an event back for ``linger_s`` (20 ms by default) before it joins
the buffer, and :meth:`Emitter.withdraw` takes it back meanwhile: a task's RUNNING event waits there,
and a task that ends within the linger sends ONE event (its FINISHED, which also carries what the
RUNNING said; the server merges a task's events per field whatever their number and order). That
halves what the flusher encodes and Redis stores for short tasks. :meth:`Emitter.flush` and
:meth:`Emitter.close` send the waiting ones first; ``stats()["coalesced"]`` counts the withdrawn ones.

    emitter = Emitter(redis_uri="redis://127.0.0.1:6379")
    emitter.emit({"type": "task", "task_id": "t1", "status": "FINISHED"})
    emitter.flush()          # optional: wait until it left the buffer
"""

from __future__ import annotations

import atexit
import collections
import json
import logging
import math
import os
import re
import sys
import threading
import time
import weakref
from typing import Any, Deque, List, Optional, Tuple

from mida import _spill, _values, wire
from mida._spill import SpillFile
from mida._values import Snapshot
from mida.config import Settings

LOG = logging.getLogger("mida.emitter")

_REPLAY_LINES_PER_ROUND_TRIP = 20
_MAX_PENDING_DEAD = 10_000
#: emit() wakes the flusher for this many buffered events at least (below that, the tick flushes)
_WAKE_AT_LEAST = 64
#: what emit_deferred returns when it did not defer (linger 0, closed): withdraw() gives None
_SENT: list = []
#: event fields that may hold a shared telemetry Snapshot, serialised once per snapshot
_SNAPSHOT_FIELDS = ("telemetry_at_start", "telemetry_at_end")
_SNAPSHOT_FIELD_SET = frozenset(_SNAPSHOT_FIELDS)
#: an end telemetry that is the start's snapshot, as the event's last field (issue 15)
_END_SAME_AS_START = f',"telemetry_at_end":"{wire.TELEMETRY_SAME_AS_START}"'
_SNAPSHOT_CACHE = 8
#: NaN, inf and -inf go out as the tokens NaN, Infinity, -Infinity, which the server keeps as doubles
_JSON = json.JSONEncoder(
    ensure_ascii=False, allow_nan=True, separators=(",", ":"), default=_values.json_default
).encode


class _FlushSizer:
    """The dynamic flush size: a batch should fill in a tenth of the flush interval; the rate is an
    exponentially weighted moving average over windows of at least that long (Java's FlushSizer)."""

    ALPHA = 0.3
    FILL_FRACTION = 10
    MIN_WINDOW_S = 0.005

    def __init__(self, max_batch: int, max_age_s: float):
        self.max_batch = max_batch
        self.fill_s = max_age_s / self.FILL_FRACTION
        self.min_window = max(self.MIN_WINDOW_S, self.fill_s)
        self.rate = -1.0
        self._last_count = 0
        self._last_t: Optional[float] = None

    def sample(self, total: int, now: float) -> None:
        if self._last_t is None:
            self._last_count, self._last_t = total, now
            return
        window = now - self._last_t
        if window < self.min_window:
            return
        r = (total - self._last_count) / window
        self.rate = r if self.rate < 0 else self.ALPHA * r + (1 - self.ALPHA) * self.rate
        self._last_count, self._last_t = total, now

    def batch_size(self) -> int:
        want = max(self.rate, 0.0) * self.fill_s
        return 1 if want <= 1 else int(min(self.max_batch, round(want)))


class Emitter:
    """Buffered, non-blocking sender of wire-format events (plain dicts) to the server's stream."""

    def __init__(self, settings: Optional[Settings] = None, **overrides: Any):
        self.settings = Settings.from_env(**overrides) if settings is None else settings.replace(**overrides)
        s = self.settings
        self._spill_prefix = "mida-" + re.sub(r"[^A-Za-z0-9_.-]", "_", s.stream)
        self._dead_stream = s.stream + wire.DEAD_SUFFIX
        self._closed = False
        # imported now, not on the first flush: that may come at interpreter exit, where the
        # redis package can no longer import (it registers an atexit hook)
        import redis

        self._redis_client = redis.Redis
        self._reset_state()
        self._claim_orphans()
        self._start_thread()
        _live.add(self)
        _register_multiprocessing_exit(self)

    # ------------------------------------------------------------------ caller side

    def emit(self, event: dict) -> None:
        """Queues one event and returns at once (no I/O). The event must not be changed afterwards
        (a shallow copy is taken). Never raises: after :meth:`close` the event is counted dropped."""
        if self._closed:
            self._dropped_closed += 1
            if not self._warned_closed:
                self._warned_closed = True
                LOG.warning("emit after close: the event is dropped")
            return
        if self._thread is None:
            self._ensure_thread()
        q = self._queue
        # a copy; an SDK-built Canonical handed in from outside is validated like any other
        q.append(dict(event) if type(event) is dict or type(event) is wire.Canonical else event)
        n = len(q)
        if n >= self._wake_at and not self._wake.is_set():
            self._wake.set()
        if n > self.settings.max_buffered:
            self._await_room()

    def _emit_owned(self, event: dict) -> None:
        """:meth:`emit` for a dict the caller built for this call and never touches again (the SDK's)."""
        if self._closed or self._thread is None:
            self.emit(event)
            return
        q = self._queue
        q.append(event)
        n = len(q)
        if n >= self._wake_at and not self._wake.is_set():
            self._wake.set()
        if n > self.settings.max_buffered:
            self._await_room()

    def emit_deferred(self, event: dict) -> list:
        """Queues an event that a later one may still replace (a task's RUNNING): it waits
        ``linger_s`` before it joins the buffer, and :meth:`withdraw` with the returned handle takes
        it back meanwhile. The dict is handed over (no copy): the caller must not change it unless
        :meth:`withdraw` gave it back. With ``linger_s`` 0 it is an :meth:`emit`. No I/O, no lock."""
        if self._linger <= 0 or self._closed:
            self.emit(event)
            return _SENT
        if self._thread is None:
            self._ensure_thread()
        handle = [event]  # list.pop() is atomic: the flusher and withdraw() cannot both get it
        self._deferred.append((time.monotonic(), handle))
        if self._closed:  # raced with close(): do not leave it behind
            self._release_deferred(math.inf)
        return handle

    @staticmethod
    def withdraw(handle: list) -> Optional[dict]:
        """The event of an :meth:`emit_deferred` handle if it has not joined the buffer yet (then it
        is never sent, and the caller sends its content in a later event), else None."""
        try:
            return handle.pop()
        except IndexError:
            return None

    def _release_deferred(self, before: float) -> None:
        """Moves deferred events queued at or before ``before`` (time.monotonic) into the buffer;
        a withdrawn one is counted ``coalesced``."""
        d = self._deferred
        if not d:
            return
        with self._defer_lock:
            q = self._queue
            while d and d[0][0] <= before:
                _, handle = d.popleft()
                try:
                    q.append(handle.pop())
                except IndexError:  # withdrawn
                    self._coalesced += 1

    def _await_room(self) -> None:
        # the flusher spills the overflow to disk; the caller waits only if even the disk is too slow
        thread = self._thread
        while len(self._queue) > self.settings.max_buffered and thread is not None and thread.is_alive():
            self._wake.set()
            time.sleep(0.0005)

    def flush(self, timeout_s: float = 10.0) -> bool:
        """Sends (or spills) everything emitted before this call, waiting at most ``timeout_s``.
        True when all of it left the buffer in time. Deferred events join the buffer first."""
        self._release_deferred(math.inf)
        with self._cond:
            target = self._taken + len(self._queue)
            self._flush_requested = max(self._flush_requested, target)
        self._wake.set()
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while self._done < target:
                left = deadline - time.monotonic()
                thread = self._thread
                if thread is None and not self._queue:
                    return True
                if left <= 0 or thread is None or not thread.is_alive():
                    return self._done >= target
                self._cond.wait(min(left, 0.05))
                self._wake.set()
        return True

    def close(self, timeout_s: float = 30.0) -> None:
        """Sends everything buffered (or spills it when Redis is away, for the next emitter that uses
        the same spill dir) and stops the thread. Later :meth:`emit` calls are dropped."""
        if self._closed:
            return
        self._closed = True
        self._release_deferred(math.inf)
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout_s)
        if thread is None or (not thread.is_alive() and self._queue):
            with self._io_lock:
                self._final_pass()  # an emit racing with close, or a thread never started in a child
                self._close_quietly()
        _live.discard(self)
        st = self.stats()
        LOG.info(
            "Emitter closed: emitted %d, flushed %d, spilled %d, replayed %d, rejected %d, dropped %d",
            st["emitted"],
            st["flushed"],
            st["spilled"],
            st["replayed"],
            st["rejected"],
            st["dropped"],
        )

    def stats(self) -> dict:
        """Counters of this emitter's own events: ``emitted = flushed + spilled + rejected + dropped +
        buffered``; ``replayed`` counts spilled events (also from dead processes) sent later;
        ``deferred`` events wait for their linger (not yet emitted); ``coalesced`` counts the deferred
        events withdrawn before they were sent (their content went out in a later event)."""
        with self._cond:
            taken, done, queued = self._taken, self._done, len(self._queue)
        return {
            "emitted": taken + queued + self._dropped_closed,
            "flushed": self._flushed,
            "spilled": self._spilled,
            "replayed": self._replayed,
            "dropped": self._dropped + self._dropped_closed,
            "rejected": self._rejected,
            "buffered": queued + (taken - done),
            "redis_up": self._redis_up,
            "deferred": len(self._deferred),
            "coalesced": self._coalesced,
        }

    @property
    def current_flush_size(self) -> int:
        return self._flush_size

    def __enter__(self) -> "Emitter":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Emitter(redis_uri={self.settings.masked_redis_uri!r}, stream={self.settings.stream!r})"

    # ------------------------------------------------------------------ state, thread, fork

    def _reset_state(self) -> None:
        s = self.settings
        self._pid = os.getpid()
        self._queue: Deque[Any] = collections.deque()
        self._cond = threading.Condition(threading.Lock())  # guards _taken/_done/_flush_requested
        self._io_lock = threading.Lock()  # the flusher's pass vs close's final pass
        self._wake = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._taken = 0  # events taken off the queue (under _cond)
        self._done = 0  # of those, the ones sent, spilled, rejected or dropped (under _cond)
        self._flush_requested = 0
        self._flushed = self._spilled = self._replayed = self._dropped = self._rejected = 0
        self._dropped_closed = 0
        self._warned_closed = False
        self._sizer = _FlushSizer(s.max_batch, s.flush_interval_s)
        self._flush_size = 1
        self._wake_at = _WAKE_AT_LEAST
        self._linger = s.linger_s
        self._deferred: Deque[Tuple[float, list]] = collections.deque()
        self._defer_lock = threading.Lock()
        self._coalesced = 0
        #: telemetry snapshots serialised once each (False: every event encodes its own, as before)
        self._share_snapshots = True
        #: a telemetry_at_end that is the start's snapshot sent as "=telemetry_at_start"
        self._compact_telemetry = s.compact_telemetry
        #: with it, a start Snapshot an earlier event of the entry carries in full sent as "=[k]" (obs19;
        #: False: each in full, as before, for a benchmark's A/B)
        self._shared_start = True
        self._snapshots: dict = {}
        self._snapshot_depths: dict = {}
        #: issue 15 (obs18): an entry encoded by one encoder call, the snapshots' texts spliced in for
        #: placeholder strings (False: one call per event and a copy of each event without its snapshots)
        self._one_pass = True
        # the placeholders' prefix: random per emitter, so that no value of an event can be mistaken for one
        self._placeholder = f"mida-snapshot-{os.urandom(12).hex()}-"
        self._redis_up = True
        self._redis = None
        self._own_spill: Optional[SpillFile] = None
        self._orphans: List[SpillFile] = []
        self._pending_dead: Deque[dict] = collections.deque()
        self._last_flush = time.monotonic()
        self._next_retry = 0.0
        self._logged_down = False

    def _start_thread(self) -> None:
        t = threading.Thread(target=self._run, name="mida-emitter-flush", daemon=True)
        self._thread = t
        t.start()

    def _ensure_thread(self) -> None:
        # a forked child starts its flusher on its first emit, so idle emitters cost no thread
        with self._cond:
            if self._thread is None and not self._closed:
                try:
                    self._start_thread()
                except RuntimeError as e:  # no new threads at interpreter shutdown: close() sends them
                    self._thread = None
                    LOG.warning("cannot start the flusher thread (%s); events wait for close()", e)

    def _after_fork_in_child(self) -> None:
        # the parent's buffer, connection, spill files and locks stay the parent's
        own, orphans = self._own_spill, self._orphans
        self._reset_state()
        for f in ([own] if own else []) + orphans:
            f.abandon()
        if not self._closed:
            _register_multiprocessing_exit(self, after_fork=True)

    # ------------------------------------------------------------------ flusher thread

    def _run(self) -> None:
        tick = max(0.001, self.settings.flush_interval_s / 4)
        try:
            while not self._closed:
                self._wake.clear()
                try:
                    with self._io_lock:
                        more = self._pass()
                except Exception:  # a bug, not an outage (those are handled): keep the thread alive
                    LOG.exception("Emitter flush pass failed")
                    more = False
                    time.sleep(tick)
                if not more and not self._closed:
                    self._wake.wait(tick)
            with self._io_lock:
                self._final_pass()
                self._close_quietly()
        except Exception:
            LOG.exception("Emitter flusher died; events emitted from now on wait in memory")

    def _pass(self) -> bool:
        """One round of the flusher; True when more is waiting at once."""
        now = time.monotonic()
        if self._deferred:
            self._release_deferred(now - self._linger)
        self._sizer.sample(self._taken + len(self._queue), now)
        self._flush_size = self._sizer.batch_size()
        self._wake_at = max(self._flush_size, _WAKE_AT_LEAST)
        if not self._redis_up and now >= self._next_retry:
            self._try_reconnect()
        if self._redis_up and self._has_spill_pending():
            self._replay_spills()
        if self._redis_up and self._pending_dead and not self._has_spill_pending():
            self._send_dead_letters()
        buffered = len(self._queue)
        due = (
            buffered >= self._flush_size
            or (buffered > 0 and now - self._last_flush >= self.settings.flush_interval_s)
            or self._flush_requested > self._done
        )
        if not self._redis_up and buffered > 0:
            self._spill_all()  # nothing waits in memory while Redis is away
        elif due:
            self._flush_once()
            if len(self._queue) >= self.settings.max_buffered:
                self._spill_overflow()
            return len(self._queue) >= self._flush_size or (
                bool(self._queue) and self._flush_requested > self._done
            )
        return False

    def _final_pass(self) -> None:
        self._release_deferred(math.inf)
        if not self._redis_up:
            self._try_reconnect()
        if self._redis_up and self._has_spill_pending():
            self._replay_spills()
        while self._queue:
            if self._redis_up and not self._has_spill_pending():
                self._flush_once()
            else:
                self._spill_all()
        if self._redis_up and self._pending_dead:
            self._send_dead_letters()
        if not self._redis_up:
            if self._own_spill is not None and self._own_spill.has_pending():
                LOG.warning(
                    "Redis at %s unreachable at exit: events are in %s; "
                    "the next emitter using %s replays them",
                    self.settings.masked_redis_uri,
                    self._own_spill.path,
                    self.settings.spill_dir,
                )
            if self._pending_dead:
                self._spill_dead_letters()

    def _spill_dead_letters(self) -> None:
        """Dead letters Redis cannot take now go to a file the next emitter sends (never only a log)."""
        try:
            f = SpillFile.create(self.settings.spill_dir, self._spill_prefix, _spill.DEAD_SUFFIX)
            try:
                f.append([_JSON(d) for d in self._pending_dead])
            finally:
                f.close()
            LOG.warning("%d dead letters wait in %s for Redis", len(self._pending_dead), f.path)
            self._pending_dead.clear()
        except Exception as e:
            LOG.error(
                "DEAD LETTERS LOST: Redis at %s unreachable and %s not writable (%s): %s",
                self.settings.masked_redis_uri,
                self.settings.spill_dir,
                e,
                [d["reason"] for d in list(self._pending_dead)[:5]],
            )

    def _take(self, n: int) -> List[Any]:
        q = self._queue
        out = []
        with self._cond:
            while len(out) < n:
                try:
                    out.append(q.popleft())
                except IndexError:
                    break
            self._taken += len(out)
        return out

    def _finish(self, n: int) -> None:
        with self._cond:
            self._done += n
            self._cond.notify_all()

    def _prepare(self, batch: List[Any]) -> Tuple[List[str], int]:
        """Validates and encodes a batch: the entries to append, and how many events they hold.
        Refused events become dead letters."""
        good: List[dict] = []
        for ev in batch:
            if type(ev) is wire.Canonical:  # built by the SDK in the form validate() returns
                good.append(ev)
                continue
            try:
                good.append(wire.validate(ev))
            except wire.InvalidEvent as e:
                self._dead_letter(e.reason, ev)
            except Exception as e:  # a Mapping whose methods raise, …
                self._dead_letter(f"cannot be validated: {e!r}", ev)
        per = self.settings.events_per_entry
        entries = []
        count = 0
        for i in range(0, len(good), per):
            part = good[i : i + per]
            try:
                text = None
                depth_ok = False
                if self._share_snapshots:
                    if self._one_pass:
                        text, depth_ok = self._encode_one_pass(part)
                    else:
                        text = self._encode_with_snapshots(part)
                if text is None:
                    text = _JSON(part)
            except Exception:
                texts = [t for t in (self._encode_one(ev) for ev in part) if t is not None]
                text = "[" + ",".join(texts) + "]" if texts else None
                part = texts
            # the server refuses a whole entry nested deeper than its limit; the bracket count is a
            # free first filter, the depth of the text (C-speed passes) the real check, and only an
            # entry that is too deep is looked at event by event
            if (
                text is not None
                and not depth_ok
                and text.count("{") + text.count("[") > wire.MAX_NESTING_DEPTH
                and wire.text_depth(text) > wire.MAX_NESTING_DEPTH
            ):
                text, part = self._drop_too_deep(text, part)
            if text is not None:
                entries.append(text)
                count += len(part)
        return entries, count

    def _encode_one_pass(self, part: List[dict]) -> Tuple[Optional[str], bool]:
        """:meth:`_encode_with_snapshots` in one encoder call (issue 15, obs18): each event's telemetry
        :class:`Snapshot` is swapped for a placeholder string while the whole entry is encoded, then
        put back; the placeholders in the text are replaced by the snapshots' texts (serialised once
        each). Also says whether the entry is surely within the server's nesting limit, from the
        text before the splice (short: no telemetry) and each snapshot's depth, so that the long text
        need not be scanned. ``(None, False)`` when no event carries a snapshot or a value of an
        event holds a placeholder's text (then the caller encodes it the other way)."""
        swapped = []  # (event, field, original value)
        tokens: dict = {}  # id(snapshot) -> [placeholder, snapshot, times used]
        compact = self._compact_telemetry
        prefix = self._placeholder

        def swap(ev: dict, field: str, snap: Snapshot) -> None:
            t = tokens.get(id(snap))
            if t is None:
                t = tokens[id(snap)] = [f"{prefix}{len(tokens)}", snap, 0]
            t[2] += 1
            ev[field] = t[0]
            swapped.append((ev, field, snap))

        firsts: dict = {}  # id(snapshot) -> the element carrying it in full as its start telemetry
        shared = compact and self._shared_start
        for j, ev in enumerate(part):
            start = ev.get("telemetry_at_start")
            end = ev.get("telemetry_at_end")
            s_snap = type(start) is Snapshot
            if not s_snap and type(end) is not Snapshot:
                continue
            if s_snap:
                first = firsts.get(id(start)) if shared else None
                if first is not None:
                    # an earlier element carries this very snapshot in full: "=[k]" points to it
                    ev["telemetry_at_start"] = wire.shared_telemetry(first)
                    swapped.append((ev, "telemetry_at_start", start))
                else:
                    swap(ev, "telemetry_at_start", start)
                    if shared and start:
                        firsts[id(start)] = j
                if compact and start and end is start:
                    # the end telemetry is the start's snapshot (one object): sent once, the end points to it
                    ev["telemetry_at_end"] = wire.TELEMETRY_SAME_AS_START
                    swapped.append((ev, "telemetry_at_end", end))
                    continue
            if type(end) is Snapshot:
                swap(ev, "telemetry_at_end", end)
        if not swapped:
            return None, False
        try:
            body = _JSON(part)
        finally:
            for ev, k, v in swapped:  # the events as they were (a fallback or a depth check reads them)
                ev[k] = v
        if body.count(prefix) != sum(t[2] for t in tokens.values()):
            return None, False  # some value holds a placeholder's text: not ours to replace
        limit = wire.MAX_NESTING_DEPTH
        depth_ok = body.count("{") + body.count("[") <= limit or wire.text_depth(body) <= limit
        text = body
        for placeholder, snap, _ in tokens.values():
            snap_text, snap_depth = self._snapshot_text_depth(snap)
            # a placeholder is a value of an event of the entry: two levels down
            depth_ok = depth_ok and 2 + snap_depth <= limit
            text = text.replace(f'"{placeholder}"', snap_text)
        return text, depth_ok

    def _snapshot_text_depth(self, snap: Snapshot) -> Tuple[str, int]:
        """The snapshot's text (:meth:`_snapshot_text`) and at least how deeply it nests (cached)."""
        text = self._snapshot_text(snap)
        depths = self._snapshot_depths
        d = depths.get(id(snap))
        if d is None or d[0] is not snap:
            if len(depths) >= _SNAPSHOT_CACHE:
                depths.clear()
            d = depths[id(snap)] = (snap, wire.text_depth(text))
        return text, d[1]

    def _encode_with_snapshots(self, part: List[dict]) -> Optional[str]:
        """The entry's text with each telemetry :class:`Snapshot` serialised once per snapshot (not
        once per event) and spliced in; None when no event of ``part`` carries one. Raises what
        the encoder raises (the caller then encodes event by event)."""
        texts = None
        firsts: dict = {}  # id(snapshot) -> the element carrying it in full as its start telemetry
        for j, ev in enumerate(part):
            if (
                type(ev.get("telemetry_at_start")) is not Snapshot
                and type(ev.get("telemetry_at_end")) is not Snapshot
            ):
                if texts is not None:
                    texts.append(_JSON(ev))
                continue
            if texts is None:
                texts = [_JSON(e) for e in part[:j]]
            rest = {k: v for k, v in ev.items() if k not in _SNAPSHOT_FIELD_SET or type(v) is not Snapshot}
            body = _JSON(rest)
            start = ev.get("telemetry_at_start")
            start_text = None
            if self._compact_telemetry and type(start) is Snapshot and start:
                first = firsts.get(id(start)) if self._shared_start else None
                if first is None:
                    firsts[id(start)] = j
                    start_text = self._snapshot_text(start)
                else:  # an earlier element carries this very snapshot in full: "=[k]" points to it
                    start_text = f'"{wire.shared_telemetry(first)}"'
            if start_text is not None and ev.get("telemetry_at_end") is start:
                # the end telemetry is the start's snapshot (one object): sent once, the end pointing to it
                tail = f',"telemetry_at_start":{start_text}{_END_SAME_AS_START}'
            elif start_text is not None:
                end = ev.get("telemetry_at_end")
                tail = f',"telemetry_at_start":{start_text}' + (
                    f',"telemetry_at_end":{self._snapshot_text(end)}' if type(end) is Snapshot else ""
                )
            else:
                tail = "".join(
                    f',"{k}":{self._snapshot_text(ev[k])}'
                    for k in _SNAPSHOT_FIELDS
                    if type(ev.get(k)) is Snapshot
                )
            texts.append(body[:-1] + tail + "}" if len(body) > 2 else "{" + tail[1:] + "}")
        return None if texts is None else "[" + ",".join(texts) + "]"

    def _snapshot_text(self, snap: Snapshot) -> str:
        cache = self._snapshots
        hit = cache.get(id(snap))
        if hit is not None and hit[0] is snap:
            return hit[1]
        text = _JSON(snap)
        if len(cache) >= _SNAPSHOT_CACHE:
            cache.clear()
        cache[id(snap)] = (snap, text)  # holds the snapshot: its id cannot be reused meanwhile
        return text

    def _drop_too_deep(self, text: str, part: list) -> Tuple[Optional[str], list]:
        """The server refuses a whole entry nested deeper than its limit: such events alone become
        dead letters here. (Only checked when the entry holds that many brackets at all.)"""
        if isinstance(part[0], str):  # already encoded one by one
            events = [json.loads(t) for t in part]
        else:
            events = part
        # the entry's array is one level: an event may be one level less deep than the limit
        keep = [i for i, ev in enumerate(events) if wire.nesting_depth(ev) < wire.MAX_NESTING_DEPTH]
        if len(keep) == len(events):
            return text, part
        for i, ev in enumerate(events):
            if i not in keep:
                self._dead_letter(
                    f"nested deeper than {wire.MAX_NESTING_DEPTH} levels (the server would refuse the entry)",
                    ev,
                )
        if not keep:
            return None, []
        if isinstance(part[0], str):
            kept = [part[i] for i in keep]
            return "[" + ",".join(kept) + "]", kept
        kept = [events[i] for i in keep]
        return _JSON(kept), kept

    def _encode_one(self, ev: dict) -> Optional[str]:
        try:
            return _JSON(ev)
        except Exception:
            pass
        try:
            return _JSON(_values.sanitize(ev))
        except Exception as e:
            self._dead_letter(f"cannot be serialised to JSON: {e!r}", ev)
            return None

    def _dead_letter(self, reason: str, event: Any) -> None:
        self._rejected += 1
        try:
            text = _JSON(event)
        except Exception:
            try:
                text = _JSON(_values.sanitize(event))
            except Exception:
                text = repr(event)[:100_000]
        if len(self._pending_dead) >= _MAX_PENDING_DEAD:
            old = self._pending_dead.popleft()
            LOG.error("Too many dead letters waiting for Redis; losing one: %s", old["reason"])
        self._pending_dead.append(
            {"reason": reason, "stream": self.settings.stream, "at": repr(time.time()), wire.FIELD: text}
        )
        LOG.warning("Event refused (to %s): %s", self._dead_stream, reason)

    def _flush_once(self) -> None:
        batch = self._take(self.settings.max_batch)
        if not batch:
            return
        self._last_flush = time.monotonic()
        entries, count = self._prepare(batch)
        if self._redis_up and not self._has_spill_pending():
            try:
                self._send(entries, with_dead=True)
                self._flushed += count
                self._finish(len(batch))
                return
            except Exception as e:
                self._mark_down(e)
        self._spill(entries, count)
        self._finish(len(batch))

    def _spill_all(self) -> None:
        self._spill_while(lambda: True)

    def _spill_overflow(self) -> None:
        """Keeps memory bounded when callers outrun Redis: moves the oldest events to disk."""
        target = self.settings.max_buffered // 2
        LOG.warning("Emitter buffer full (%d events); spilling to disk to keep up", len(self._queue))
        self._spill_while(lambda: len(self._queue) > target)

    def _spill_while(self, more) -> None:
        """Moves buffered events to the spill file, oldest first, batch by batch, while ``more()``."""
        while more():
            batch = self._take(self.settings.max_batch)
            if not batch:
                return
            entries, count = self._prepare(batch)
            self._spill(entries, count)
            self._finish(len(batch))

    def _connection(self):
        if self._redis is None:
            self._redis = self._redis_client.from_url(
                self.settings.redis_uri,
                socket_timeout=self.settings.timeout_s,
                socket_connect_timeout=self.settings.timeout_s,
                retry_on_timeout=False,
                retry=None,
                single_connection_client=True,
            )
        return self._redis

    def _send(self, entries: List[str], with_dead: bool = False) -> None:
        dead = list(self._pending_dead) if with_dead else []
        if not entries and not dead:
            return
        pipe = self._connection().pipeline(transaction=False)
        stream = self.settings.stream
        for e in entries:
            pipe.xadd(stream, {wire.FIELD: e})
        for d in dead:
            pipe.xadd(self._dead_stream, d)
        for reply in pipe.execute(raise_on_error=False):
            if isinstance(reply, Exception):
                raise reply
        for _ in dead:
            self._pending_dead.popleft()

    def _send_dead_letters(self) -> None:
        try:
            self._send([], with_dead=True)
        except Exception as e:
            self._mark_down(e)

    def _mark_down(self, e: Exception) -> None:
        self._drop_connection()
        self._redis_up = False
        self._next_retry = time.monotonic() + self.settings.retry_s
        if not self._logged_down and _auth_refused(e):
            self._logged_down = True
            LOG.error(
                "Redis at %s refused this emitter's credentials (%s): set MIDA_REDIS_URI to "
                "redis://:PASSWORD@host:port (the embedded server keeps its password in "
                "<MIDA_DATA_DIR>/redis/password). Events are spilled to %s meanwhile, none lost",
                self.settings.masked_redis_uri,
                e,
                self.settings.spill_dir,
            )
        elif not self._logged_down:
            self._logged_down = True
            LOG.warning(
                "Redis at %s unreachable (%s); spilling events to %s until it is back",
                self.settings.masked_redis_uri,
                e,
                self.settings.spill_dir,
            )

    def _drop_connection(self) -> None:
        if self._redis is not None:
            try:
                self._redis.close()
            except Exception:
                pass
            self._redis = None

    def _try_reconnect(self) -> None:
        try:
            self._connection().ping()
            self._redis_up = True
            self._logged_down = False
            LOG.info("Redis at %s is back; replaying spilled events", self.settings.masked_redis_uri)
        except Exception as e:
            self._redis_up = True  # so _mark_down logs nothing new
            self._logged_down = True
            self._mark_down(e)

    # ------------------------------------------------------------------ spill files

    def _spill(self, entries: List[str], events: int) -> None:
        if not entries:
            return
        try:
            if self._own_spill is None:
                self._own_spill = SpillFile.create(self.settings.spill_dir, self._spill_prefix)
            self._own_spill.append(entries)
            self._spilled += events
        except Exception as e:
            self._dropped += events
            LOG.error(
                "EVENTS LOST: cannot write %d events to a spill file in %s (disk full?) while Redis at %s "
                "is unreachable: %s",
                events,
                self.settings.spill_dir,
                self.settings.masked_redis_uri,
                e,
            )

    def _claim_orphans(self) -> None:
        try:
            for path in SpillFile.list(self.settings.spill_dir):
                if not os.path.basename(path).startswith(self._spill_prefix + "-"):
                    continue
                f = SpillFile.claim(path)
                if f is not None:
                    self._orphans.append(f)
            for path in SpillFile.list(self.settings.spill_dir, _spill.DEAD_SUFFIX):
                if not os.path.basename(path).startswith(self._spill_prefix + "-"):
                    continue
                f = SpillFile.claim(path)
                if f is None:
                    continue
                for line in f.read_all():
                    try:
                        self._pending_dead.append(json.loads(line))
                    except ValueError:
                        LOG.warning("Skipping an unreadable dead letter in %s", path)
                f.delete()  # if Redis is away at exit again, they are written anew
            if self._orphans:
                LOG.info(
                    "Found %d spill file(s) from an earlier run in %s; replaying them first",
                    len(self._orphans),
                    self.settings.spill_dir,
                )
        except OSError as e:
            LOG.warning("Cannot look for spill files in %s: %s", self.settings.spill_dir, e)

    def _has_spill_pending(self) -> bool:
        try:
            return bool(self._orphans) or (self._own_spill is not None and self._own_spill.has_pending())
        except OSError as e:
            LOG.error("Cannot read spill file: %s", e)
            return False

    def _replay_spills(self) -> None:
        """Orphans oldest first, then this emitter's own file; stops at the first failure."""
        try:
            while self._orphans:
                f = self._orphans[0]
                if not self._replay(f):
                    return
                f.delete()
                self._orphans.pop(0)
                LOG.info("Replayed and removed spill file %s", f.path)
            own = self._own_spill
            if own is not None and own.has_pending():
                if not self._replay(own):
                    return
                own.reset()
        except OSError as e:
            LOG.error("Cannot read spill files in %s: %s", self.settings.spill_dir, e)

    def _replay(self, f: SpillFile) -> bool:
        while True:
            lines = f.next(_REPLAY_LINES_PER_ROUND_TRIP)
            if not lines:
                return True
            entries = []
            events = 0
            for line in lines:
                if line.events == 0:
                    if line.entry.strip():
                        LOG.warning("Skipping an unreadable line in spill file %s (torn write?)", f.path)
                    continue
                entries.append(line.entry)
                events += line.events
            try:
                self._send(entries)
            except Exception as e:
                self._mark_down(e)
                return False
            self._replayed += events
            f.advance(lines[-1].end)

    def _close_quietly(self) -> None:
        self._drop_connection()
        try:
            if self._own_spill is not None:
                if self._own_spill.has_pending():
                    self._own_spill.close()
                else:
                    self._own_spill.delete()
                self._own_spill = None
            for f in self._orphans:
                f.close()
            self._orphans = []
        except OSError as e:
            LOG.warning("Cannot close spill files: %s", e)


# ---------------------------------------------------------------------- process-wide hooks

_live: "weakref.WeakSet[Emitter]" = weakref.WeakSet()
_default: Optional[Emitter] = None
_default_lock = threading.Lock()


def get_default() -> Emitter:
    """The process-wide emitter from the ``MIDA_*`` settings, created on first use (and anew in a
    forked child)."""
    global _default
    e = _default
    if e is None or e._pid != os.getpid():
        with _default_lock:
            e = _default
            if e is None or e._pid != os.getpid() or e._closed:
                e = _default = Emitter()
    return e


def _at_exit() -> None:
    for e in list(_live):
        if e._pid == os.getpid():
            try:
                e.close()
            except Exception:
                LOG.exception("Emitter close at exit failed")


def _after_fork_in_child() -> None:
    global _default, _default_lock
    _default_lock = threading.Lock()
    for e in list(_live):
        e._after_fork_in_child()
    _default = None


atexit.register(_at_exit)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _register_multiprocessing_exit(e: Emitter, after_fork: bool = False) -> None:
    """A multiprocessing child ends with os._exit (no atexit): flush from its exit finalizers."""
    util = sys.modules.get("multiprocessing.util")
    if util is None:
        return
    ref = weakref.ref(e)

    def close_at_exit() -> None:
        em = ref()
        if em is not None and em._pid == os.getpid():
            em.close()

    if after_fork:
        # Process._bootstrap clears the finalizers after fork, then runs the after-fork hooks
        util.register_after_fork(e, lambda _obj: util.Finalize(None, close_at_exit, exitpriority=100))
    else:
        util.Finalize(None, close_at_exit, exitpriority=100)


def _auth_refused(e: BaseException) -> bool:
    """NOAUTH (no password given) or WRONGPASS/invalid password (a wrong one)."""
    try:
        from redis.exceptions import AuthenticationError, AuthenticationWrongNumberOfArgsError
    except ImportError:  # pragma: no cover
        AuthenticationError = AuthenticationWrongNumberOfArgsError = ()  # type: ignore
    if isinstance(e, (AuthenticationError, AuthenticationWrongNumberOfArgsError)):
        return True
    text = str(e)
    return (
        text.startswith("NOAUTH")
        or text.startswith("WRONGPASS")
        or "Authentication required" in text
        or "invalid password" in text
        or "invalid username-password" in text
    )
