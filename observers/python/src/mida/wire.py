"""The wire format, checked by the same rules and with the same reasons as the Java codec
(``event/.../EventCodec.java``, ``TaskEvent.java``, ``EntityRef.java``); the golden files in
``event/src/test/resources/wire/`` are the contract both sides are tested against.

    event = wire.validate({"task_id": "t1", "status": "finished"})
    # {'type': 'task', 'task_id': 't1', 'status': 'FINISHED'}
    wire.validate({"type": "task"})   # raises InvalidEvent('"task_id" is required')
"""

from __future__ import annotations

import json
import math
import numbers
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, List, Optional, Tuple

from mida._values import Snapshot

#: the stream entry's field holding the event JSON
FIELD = "event"
DEAD_SUFFIX = ":dead"
MAX_ID_LENGTH = 1024
#: Jackson's limit on the server (EventCodec.MAX_NESTING_DEPTH); the entry's array counts as one level
MAX_NESTING_DEPTH = 200
MAX_ENTITY_ID_LENGTH = 4096
MAX_ENTITY_ID_BYTES = 6 * 1024
STATUSES = ("UNKNOWN", "SUBMITTED", "WAITING", "RUNNING", "FINISHED", "ERROR")

TASK_FIELDS = frozenset(
    "type task_id workflow_id campaign_id activity_id status submitted_at started_at ended_at used generated "
    "dependencies parent_task_id group_id subtype adapter_id hostname node_name login_name user "
    "telemetry_at_start telemetry_at_end stdout stderr custom_metadata tags".split()
)
WORKFLOW_FIELDS = frozenset(
    "type workflow_id campaign_id name parent_workflow_id adapter_id user environment_id machine_info "
    "code_repository used generated custom_metadata started_at ended_at status".split()
)
OBSERVER_FIELDS = frozenset(
    "type observer_id at name kind state hostname version pid campaign_id started_at interval last_poll_at "
    "last_error last_error_at counters custom_metadata".split()
)
OBSERVER_STATES = ("starting", "running", "retrying", "stopped")
#: the compact ``telemetry_at_end`` of an event whose end telemetry is the very snapshot of its
#: ``telemetry_at_start``; decoded to that map (Java: ``EventCodec.TELEMETRY_SAME_AS_START``)
TELEMETRY_SAME_AS_START = "=telemetry_at_start"
#: ``"telemetry_at_start": "=[k]"`` in an element of an array entry: the start snapshot element ``k``
#: (an earlier one) carries in full; resolved by :func:`decode` before the event is validated
#: (Java: ``EventCodec.TELEMETRY_OF_ELEMENT_PREFIX``, ``EventCodec.sharedTelemetry(k)``)
_SHARED_TELEMETRY = re.compile(r"=\[(0|[1-9][0-9]{0,8})\]")


def shared_telemetry(k: int) -> str:
    """The marker of element ``k``'s start telemetry: ``"=[k]"``."""
    return f"=[{k}]"


def shared_telemetry_index(s: str) -> int:
    """The ``k`` of a ``"=[k]"`` marker, or -1 (``EventCodec.sharedTelemetryIndex``)."""
    m = _SHARED_TELEMETRY.fullmatch(s)
    return int(m.group(1)) if m else -1


class InvalidEvent(ValueError):
    """An event that breaks the wire format; ``reason`` is the text the server would give."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def kind(v: Any) -> str:
    """How a value is named in a reason, as the Java side names it: "a string", "an array", …"""
    if v is None:
        return "null"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, numbers.Number):
        return "a number"
    if isinstance(v, (list, tuple)):
        return "an array"
    if isinstance(v, Mapping):
        return "an object"
    return type(v).__name__


def abbreviate(s: str) -> str:
    return s if len(s) <= 80 else s[:77] + "..."


def validate(event: Any) -> dict:
    """The canonical form of one event (what the server stores), or :class:`InvalidEvent`."""
    if type(event) is dict and (event.get("type") == "task" or ("type" not in event and "task_id" in event)):
        fast = _fast_task(event)
        if fast is not None:
            return fast
    if not isinstance(event, Mapping):
        raise InvalidEvent(f"an event must be a JSON object, got {kind(event)}")
    t = event.get("type")
    if t is None:
        t = "task" if "task_id" in event else "workflow" if "workflow_id" in event else None
    if t is None:
        raise InvalidEvent('"type" is required ("task", "workflow" or "observer")')
    if not isinstance(t, str):
        raise InvalidEvent(f'"type" must be a string, got {kind(t)}')
    if t == "task":
        return _task(event)
    if t == "workflow":
        return _workflow(event)
    if t == "observer":
        return _observer(event)
    raise InvalidEvent(f'unknown "type": "{abbreviate(t)}" (expected "task", "workflow" or "observer")')


def decode(text: str) -> Tuple[List[dict], List[Tuple[Optional[int], str]]]:
    """What the server makes of one stream entry: the accepted events (canonical) and the
    rejections as ``(index or None, reason)``, reasons prefixed ``[i] `` inside arrays."""
    try:
        root = json.loads(text, parse_float=_parse_float, parse_int=_parse_int)
    except (ValueError, RecursionError) as e:
        return [], [(None, f"not valid JSON: {e}")]
    events: List[dict] = []
    rejected: List[Tuple[Optional[int], str]] = []
    if isinstance(root, list):
        if not root:
            rejected.append((None, "empty array"))
        was_marker: set = set()
        for i, item in enumerate(root):
            try:
                if isinstance(item, dict) and isinstance(item.get("telemetry_at_start"), str):
                    _resolve_shared(root, i, item["telemetry_at_start"], was_marker)
                _check_numbers(item, "")
                events.append(validate(item))
            except InvalidEvent as e:
                rejected.append((i, f"[{i}] {e.reason}"))
    else:
        try:
            _check_numbers(root, "")
            events.append(validate(root))
        except InvalidEvent as e:
            rejected.append((None, e.reason))
    return events, rejected


def _resolve_shared(root: list, i: int, s: str, was_marker: set) -> None:
    """Replaces element ``i``'s ``"=[k]"`` start telemetry by element ``k``'s object, or raises why
    not (``EventCodec.Shared.resolve``). Element ``k`` may be refused for another reason: its
    snapshot still serves when it is a sound object."""
    k = shared_telemetry_index(s)
    if k < 0:
        return  # any other string: validate() says "must be an object"
    was_marker.add(i)
    marker = f'"telemetry_at_start" is "{s}"'
    if k >= i:
        where = f"element {k} does not exist" if k >= len(root) else f"element {k} is not before element {i}"
        raise InvalidEvent(
            f"{marker}, but a marker may only point at an earlier element of the same entry ({where});"
            " send the snapshot itself"
        )
    if k in was_marker:
        raise InvalidEvent(
            f"{marker}, but element {k}'s telemetry_at_start is itself a marker; point at the element"
            " that carries the snapshot in full"
        )
    other = root[k]
    snapshot = other.get("telemetry_at_start") if isinstance(other, dict) else None
    if not isinstance(snapshot, dict) or not snapshot:
        raise InvalidEvent(
            f'{marker}, but element {k} has no "telemetry_at_start" object; send the snapshot itself'
        )
    try:
        _check_numbers(snapshot, "/telemetry_at_start")
    except InvalidEvent as e:
        raise InvalidEvent(
            f"{marker}, but element {k}'s telemetry_at_start cannot be kept: {e.reason}"
        ) from None
    root[i]["telemetry_at_start"] = snapshot


class _Unkept:
    """A number of the text that cannot be kept as sent (Java's EventCodec refuses its event)."""

    def __init__(self, literal: str, why: str):
        self.literal, self.why = literal, why


def _parse_float(s: str) -> Any:
    f = float(s)
    if math.isinf(f):
        return _Unkept(
            s,
            "is beyond the range of a 64-bit double (about ±1.8e308); infinities are written Infinity"
            " and -Infinity",
        )
    return f


def _parse_int(s: str) -> Any:
    i = int(s)
    if not -(2**63) <= i < 2**63:
        return _Unkept(s, "does not fit in 64 bits (-2^63 to 2^63-1); send a number this large as a string")
    return i


def _check_numbers(v: Any, at: str) -> None:
    if isinstance(v, dict):
        for k, x in v.items():
            _check_numbers(x, at + "/" + str(k).replace("~", "~0").replace("/", "~1"))
    elif isinstance(v, list):
        for i, x in enumerate(v):
            _check_numbers(x, f"{at}/{i}")
    elif isinstance(v, _Unkept):
        kind = "the number" if any(c in v.literal for c in ".eE") else "the integer"
        raise InvalidEvent(f"{kind} {v.literal[:80]} at {at} {v.why}")


# ---------------------------------------------------------------- the rules, in the Java order


def _task(m: Mapping) -> dict:
    out: dict = {"type": "task"}
    _str(m, "task_id", out)
    for f in ("workflow_id", "campaign_id", "activity_id"):
        _str(m, f, out)
    # indexed like the ids: a longer one would be refused by the graph at write time
    if isinstance(out.get("activity_id"), str) and len(out["activity_id"]) > MAX_ID_LENGTH:
        raise InvalidEvent(f'"activity_id" is longer than {MAX_ID_LENGTH} characters')
    _status(m, out)
    for f in ("submitted_at", "started_at", "ended_at"):
        _time(m, f, out)
    started, ended = out.get("started_at"), out.get("ended_at")
    if started is not None and ended is not None and ended < started:
        raise InvalidEvent(
            f'"ended_at" ({float(ended)}) is before "started_at" ({float(started)}): a negative duration;'
            " send the times the task started and ended"
        )
    _map(m, "used", out)
    _map(m, "generated", out)
    _strings(m, "dependencies", out)
    for f in (
        "parent_task_id",
        "group_id",
        "subtype",
        "adapter_id",
        "hostname",
        "node_name",
        "login_name",
        "user",
    ):
        _str(m, f, out)
    start = m.get("telemetry_at_start")
    k = shared_telemetry_index(start) if isinstance(start, str) else -1
    if k >= 0:
        raise InvalidEvent(
            f'"telemetry_at_start" is "{start}", the snapshot of element {k} of the same array entry,'
            " but this event is not in an array entry; send the snapshot itself"
        )
    _map(m, "telemetry_at_start", out)
    _telemetry_at_end(m, out)
    for f in ("stdout", "stderr"):
        if m.get(f) is not None:
            out[f] = m[f]
    _map(m, "custom_metadata", out)
    _strings(m, "tags", out)
    # the record's compact constructor
    _require_id("task_id", out.get("task_id"), True)
    for f in ("workflow_id", "campaign_id", "parent_task_id"):
        _require_id(f, out.get(f), False)
    for f in ("submitted_at", "started_at", "ended_at"):
        _check_time(f, out.get(f))
    for d in out.get("dependencies", ()):
        _require_id("dependencies[]", d, True)
    _entities(out.get("used"))
    _entities(out.get("generated"))
    _extras(m, TASK_FIELDS, out)
    return out


def _workflow(m: Mapping) -> dict:
    out: dict = {"type": "workflow"}
    for f in (
        "workflow_id",
        "campaign_id",
        "name",
        "parent_workflow_id",
        "adapter_id",
        "user",
        "environment_id",
    ):
        _str(m, f, out)
    _map(m, "machine_info", out)
    if m.get("code_repository") is not None:
        out["code_repository"] = m["code_repository"]
    for f in ("used", "generated", "custom_metadata"):
        _map(m, f, out)
    for f in ("started_at", "ended_at"):
        _time(m, f, out)
    _status(m, out)
    _require_id("workflow_id", out.get("workflow_id"), True)
    for f in ("campaign_id", "parent_workflow_id"):
        _require_id(f, out.get(f), False)
    for f in ("started_at", "ended_at"):
        _check_time(f, out.get(f))
    _entities(out.get("used"))
    _entities(out.get("generated"))
    _extras(m, WORKFLOW_FIELDS, out)
    return out


def _observer(m: Mapping) -> dict:
    out: dict = {"type": "observer"}
    _str(m, "observer_id", out)
    _time(m, "at", out)
    for f in ("name", "kind", "state", "hostname", "version"):
        _str(m, f, out)
    pid = m.get("pid")
    if pid is not None:
        if not isinstance(pid, int) or isinstance(pid, bool):
            raise InvalidEvent(f'"pid" must be an integer, got {kind(pid)}')
        out["pid"] = pid
    _str(m, "campaign_id", out)
    _time(m, "started_at", out)
    interval = m.get("interval")
    if interval is not None:
        if not isinstance(interval, numbers.Real) or isinstance(interval, bool):
            raise InvalidEvent(f'"interval" must be a number, got {kind(interval)}')
        out["interval"] = interval
    _time(m, "last_poll_at", out)
    _str(m, "last_error", out)
    _time(m, "last_error_at", out)
    _map(m, "counters", out)
    _map(m, "custom_metadata", out)
    _require_id("observer_id", out.get("observer_id"), True)
    if out.get("at") is None:
        raise InvalidEvent('"at" is required (epoch seconds of the report)')
    for f in ("at", "started_at", "last_poll_at", "last_error_at"):
        _check_time(f, out.get(f))
    _require_id("campaign_id", out.get("campaign_id"), False)
    if "state" in out:
        st = out["state"].lower()
        if st not in OBSERVER_STATES:
            raise InvalidEvent(
                f'unknown "state": "{abbreviate(st)}" (expected one of {", ".join(OBSERVER_STATES)})'
            )
        out["state"] = st
    if interval is not None and (math.isnan(interval) or math.isinf(interval) or interval <= 0):
        raise InvalidEvent('"interval" must be a positive number of seconds')
    if pid is not None and pid < 0:
        raise InvalidEvent('"pid" must be a non-negative integer')
    for k, v in (out.get("counters") or {}).items():
        if not isinstance(v, int) or isinstance(v, bool) or v < 0:
            raise InvalidEvent(f'"counters".{abbreviate(k)} must be a non-negative integer, got {kind(v)}')
    _extras(m, OBSERVER_FIELDS, out)
    return out


_TASK_STRINGS = frozenset(
    "task_id workflow_id campaign_id activity_id parent_task_id group_id subtype adapter_id hostname "
    "node_name login_name user".split()
)
_TIMES = frozenset(("submitted_at", "started_at", "ended_at"))
_TASK_MAPS = frozenset("used generated telemetry_at_start telemetry_at_end custom_metadata".split())
_STRING_LISTS = frozenset(("dependencies", "tags"))
_STATUS_SET = frozenset(STATUSES)


class Canonical(dict):
    """A task event this package built in the canonical form :func:`validate` returns (the SDK checks
    its ids, lists and entity references when it builds it): the emitter sends it without validating
    it again. Anything else, and an event the SDK could not vouch for, is a plain dict and validated."""

    __slots__ = ()


def valid_id(v: Any) -> bool:
    """What :func:`validate` asks of an id-like string field: a non-blank string of at most
    ``MAX_ID_LENGTH`` characters."""
    return type(v) is str and len(v) <= MAX_ID_LENGTH and bool(v.strip())


def entities_valid(m: Optional[Mapping]) -> bool:
    """True when the entity references in a ``used``/``generated`` map pass :func:`validate`."""
    try:
        _entities(m)
        return True
    except InvalidEvent:
        return False


def _fast_task(m: dict) -> Optional[dict]:
    """One pass over a plain, valid task event (the common case); None sends it to the ordered
    checks, which give the exact reason."""
    out: dict = {"type": "task"}
    for k, v in m.items():
        if v is None:
            if k in TASK_FIELDS:
                continue
            return None
        if k in _TASK_STRINGS:
            if type(v) is not str or not v.strip() or len(v) > MAX_ID_LENGTH:
                return None
            out[k] = v
        elif k in _TIMES:
            t = type(v)
            if t is float:
                if not 0.0 <= v <= MAX_TIME:  # also refuses NaN
                    return None
                out[k] = v
            elif t is int and 0 <= v <= MAX_TIME:
                out[k] = float(v)
            else:
                return None
        elif k in _TASK_MAPS:
            if type(v) is not dict and type(v) is not Snapshot:
                return None
            if v:
                out[k] = v
        elif k in _STRING_LISTS:
            if type(v) is not list:
                return None
            for s in v:
                if type(s) is not str or (k == "dependencies" and (not s.strip() or len(s) > MAX_ID_LENGTH)):
                    return None
            if v:
                out[k] = v
        elif k == "status":
            if v not in _STATUS_SET:
                return None
            out[k] = v
        elif k != "type":
            out[k] = v  # stdout, stderr and fields outside the schema, as they are
    if "task_id" not in out:
        return None
    if "started_at" in out and "ended_at" in out and out["ended_at"] < out["started_at"]:
        return None
    try:
        _entities(out.get("used"))
        _entities(out.get("generated"))
    except InvalidEvent:
        return None
    return out


def _str(m: Mapping, field: str, out: dict) -> None:
    v = m.get(field)
    if v is None:
        return
    if not isinstance(v, str):
        raise InvalidEvent(f'"{field}" must be a string, got {kind(v)}')
    out[field] = v


def _status(m: Mapping, out: dict) -> None:
    s = m.get("status")
    if s is None:
        return
    if not isinstance(s, str):
        raise InvalidEvent(f'"status" must be a string, got {kind(s)}')
    st = s.strip().upper()
    if st not in STATUSES:
        raise InvalidEvent(
            f'unknown "status": "{abbreviate(s)}" '
            "(expected one of SUBMITTED, WAITING, RUNNING, FINISHED, ERROR, UNKNOWN)"
        )
    out["status"] = st


def _time(m: Mapping, field: str, out: dict) -> None:
    v = m.get(field)
    if v is None:
        return
    if isinstance(v, numbers.Real) and not isinstance(v, bool):
        out[field] = float(v)
        return
    if isinstance(v, str):
        t = _parse_iso(v)
        if t is None:
            raise InvalidEvent(
                f'"{field}" must be epoch seconds or an ISO-8601 time with offset, got "{abbreviate(v)}"'
            )
        out[field] = t
        return
    raise InvalidEvent(f'"{field}" must be a number (epoch seconds), got {kind(v)}')


_ISO_OFFSET = re.compile(
    r"(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|[+-]\d{2}:\d{2}(?::\d{2})?)"
)


def _parse_iso(s: str) -> Optional[float]:
    """Java's OffsetDateTime.parse (ISO_OFFSET_DATE_TIME): date, 'T', hh:mm[:ss[.fraction]] and an offset
    (Z or ±hh:mm[:ss]) are all required; the value is computed as Java does (seconds + nanos / 1e9)."""
    m = _ISO_OFFSET.fullmatch(s)
    if m is None:
        return None
    date, hm, sec, frac, offset = m.groups()
    offset = "+00:00" if offset in ("Z", "z") else offset
    try:
        d = datetime.fromisoformat(f"{date}T{hm}:{sec or '00'}{offset}")
    except ValueError:
        return None
    nanos = int((frac or "0").ljust(9, "0"))
    return int(d.timestamp()) + nanos / 1e9


def _map(m: Mapping, field: str, out: dict) -> None:
    v = m.get(field)
    if v is None:
        return
    if not isinstance(v, Mapping):
        raise InvalidEvent(f'"{field}" must be an object, got {kind(v)}')
    if v:  # an empty map is the same as none
        out[field] = v


def _telemetry_at_end(m: Mapping, out: dict) -> None:
    """An object, or :data:`TELEMETRY_SAME_AS_START`: the start's map (``EventCodec.telemetryAtEnd``)."""
    v = m.get("telemetry_at_end")
    if not isinstance(v, str):
        _map(m, "telemetry_at_end", out)
        return
    if v != TELEMETRY_SAME_AS_START:
        raise InvalidEvent(
            f'"telemetry_at_end" must be an object or "{TELEMETRY_SAME_AS_START}",'
            f' got the string "{abbreviate(v)}"'
        )
    start = out.get("telemetry_at_start")
    if not start:
        raise InvalidEvent(
            f'"telemetry_at_end" is "{TELEMETRY_SAME_AS_START}" but the event has no "telemetry_at_start"'
            " object; send the end telemetry itself"
        )
    out["telemetry_at_end"] = start


def _strings(m: Mapping, field: str, out: dict) -> None:
    v = m.get(field)
    if v is None:
        return
    if not isinstance(v, (list, tuple)):
        raise InvalidEvent(f'"{field}" must be an array of strings, got {kind(v)}')
    for s in v:
        if not isinstance(s, str):
            raise InvalidEvent(f'"{field}" must hold strings only, got {kind(s)}')
    if v:
        out[field] = list(v)


def _require_id(field: str, value: Optional[str], required: bool) -> None:
    if value is None:
        if required:
            raise InvalidEvent(f'"{field}" is required')
        return
    if not value.strip():
        raise InvalidEvent(f'"{field}" must not be blank')
    if len(value) > MAX_ID_LENGTH:
        raise InvalidEvent(f'"{field}" is longer than {MAX_ID_LENGTH} characters')


#: the last second of the year 9999 (UTC), the latest time an event may carry (Java's TaskEvent.MAX_TIME)
MAX_TIME = 253_402_300_799.999


def _check_time(field: str, t: Optional[float]) -> None:
    if t is not None and (math.isnan(t) or math.isinf(t) or t < 0 or t > MAX_TIME):
        raise InvalidEvent(
            f'"{field}" must be a finite, non-negative epoch time (seconds, at most 253402300799: the end of'
            f" the year 9999), got {t}"
        )


def nesting_depth(v: Any, limit: int = MAX_NESTING_DEPTH + 1) -> int:
    """How many objects/arrays deep ``v`` is (a scalar 0, ``{}`` 1), counting no further than ``limit``."""
    best = 0
    stack = [(v, 1)]
    while stack:
        x, d = stack.pop()
        if type(x) is dict or isinstance(x, Mapping):
            children: Any = x.values()
        elif isinstance(x, (list, tuple)):
            children = x
        else:
            continue
        if d > best:
            best = d
            if best >= limit:
                return best
        stack.extend((c, d + 1) for c in children if isinstance(c, (Mapping, list, tuple)))
    return best


def is_reference(v: Any) -> bool:
    """True when ``v`` is an object with an ``"@id"``: an entity named by a task."""
    t = type(v)
    if t is dict:  # the common case, without the Mapping ABC's isinstance machinery
        return "@id" in v
    if t is str or t is int or t is float or t is bool or v is None:
        return False
    return isinstance(v, Mapping) and "@id" in v


def _entities(m: Optional[Mapping]) -> None:
    """EntityRef.extract: top-level values and the elements of top-level lists."""
    if not m:
        return
    for role, v in m.items():
        t = type(v)
        if t is str or t is int or t is float or t is bool or v is None:
            continue  # scalars: most values, decided without a call
        if is_reference(v):
            _entity(str(role), v)
        elif isinstance(v, (list, tuple)):
            for item in v:
                if is_reference(item):
                    _entity(str(role), item)


_NOT_BRACKETS = bytes(c for c in range(256) if c not in b"[]{}")
_INNERMOST = re.compile(rb"\{\}|\[\]")


def text_depth(text: str, limit: int = MAX_NESTING_DEPTH + 1) -> int:
    """At least how deeply the objects/arrays of a JSON text nest (``[{}]`` is 2), counting no further
    than ``limit``, in C-speed passes: every character but the brackets dropped, then the innermost
    pairs removed once per level. Brackets inside strings count too, so the figure may be too high
    (never too low; brackets that do not pair up give ``limit``): a text under the limit is surely
    under it, one over it needs the exact check (:func:`nesting_depth`)."""
    b = text.encode("utf-8", "replace").translate(None, _NOT_BRACKETS)
    depth = 0
    while b and depth < limit:
        shorter = _INNERMOST.sub(b"", b)  # one pass: the pairs innermost now, one level
        if len(shorter) == len(b):
            return limit
        b = shorter
        depth += 1
    return depth


def _entity(role: str, ref: Mapping) -> None:
    eid = ref.get("@id")
    if not isinstance(eid, str):
        raise InvalidEvent(f'entity "@id" under "{role}" must be a string')
    t = ref.get("@type")
    if t is not None and not isinstance(t, str):
        raise InvalidEvent(f'entity "@type" under "{role}" must be a string')
    if not eid.strip():
        raise InvalidEvent('entity "@id" must be a non-empty string')
    if len(eid) > MAX_ENTITY_ID_LENGTH:
        raise InvalidEvent(f'entity "@id" is longer than {MAX_ENTITY_ID_LENGTH} characters')
    if len(eid.encode("utf-8", "replace")) > MAX_ENTITY_ID_BYTES:
        raise InvalidEvent(
            f'entity "@id" takes more than {MAX_ENTITY_ID_BYTES} bytes in UTF-8'
            " (the graph indexes ids of about 8 KB at most)"
        )
    for name in ref:
        if name in ("@id", "@type"):
            continue
        if not str(name) or "\0" in str(name):
            raise InvalidEvent(
                "entity attribute names must not be empty or hold a NUL character"
                " (the graph's property names cannot)"
            )


def _extras(m: Mapping, known: frozenset, out: dict) -> None:
    for k, v in m.items():
        if k not in known:
            out.setdefault(k, v)
