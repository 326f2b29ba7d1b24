"""What of a Python value goes into an event: JSON scalars and entity references as they are, small
containers element by element, anything else summarised (type, shape, dtype, size; or a cut repr).
Nothing is pickled, and numpy/pandas are never imported: they are recognised by their attributes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Tuple

MAX_ITEMS = 100
MAX_DEPTH = 8
MAX_STR = 4096
MAX_REPR = 200


class Snapshot(dict):
    """A published telemetry sample (:mod:`mida.telemetry`): never changed once published, so the
    emitter serialises each one once, however many events carry it (``telemetry_at_start`` and
    ``_end`` of every task of the next second), and splices that text into each event."""

    __slots__ = ()


def recordable(v: Any, depth: int = 0) -> Any:
    """A JSON-ready rendering of ``v`` (never raises)."""
    t = type(v)
    if t is int or t is bool or v is None or (t is str and len(v) <= MAX_STR):
        return v
    try:
        return _recordable(v, depth)
    except Exception as e:  # a __repr__ or property that raises
        return {"type": _type_name(v), "error": f"cannot summarise: {type(e).__name__}"}


def record_map_flat(m: Mapping) -> Tuple[dict, bool]:
    """:func:`record_map`, and whether every recorded value is a scalar (a string, number, bool or
    None): then the map holds no entity reference, and nobody needs to look for one (issue 15)."""
    out = {}
    flat = True
    for k, v in m.items():
        t = type(v)
        if t is int or t is bool or v is None or (t is str and len(v) <= MAX_STR):
            out[k if type(k) is str else str(k)] = v
        else:
            r = out[k if type(k) is str else str(k)] = recordable(v)
            if flat:
                t = type(r)
                flat = t is str or t is float or t is int or t is bool or r is None
    return out, flat


def record_map(m: Mapping) -> dict:
    """``{str(k): recordable(v)}`` for a used/generated/metadata map, with the common scalar values
    (ints, short strings, None) taken as they are without a call per value."""
    out = {}
    for k, v in m.items():
        t = type(v)
        if t is int or t is bool or v is None or (t is str and len(v) <= MAX_STR):
            out[k if type(k) is str else str(k)] = v
        else:
            out[k if type(k) is str else str(k)] = recordable(v)
    return out


def _recordable(v: Any, depth: int) -> Any:
    if v is None or isinstance(v, (bool, int, float)):
        return v  # NaN and infinities too: the wire carries them as NaN, Infinity, -Infinity
    if isinstance(v, str):
        return v if len(v) <= MAX_STR else v[:MAX_STR] + "...(truncated)"
    if isinstance(v, os.PathLike):
        return os.fspath(v)
    if depth >= MAX_DEPTH:
        return summary(v)
    if isinstance(v, Mapping):
        if "@id" in v:  # an entity reference
            return {str(k): _recordable(x, depth + 1) for k, x in v.items()}
        if len(v) > MAX_ITEMS:
            return summary(v)
        return {str(k): _recordable(x, depth + 1) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        if len(v) > MAX_ITEMS:
            return summary(v)
        return [_recordable(x, depth + 1) for x in v]
    if isinstance(v, (set, frozenset)):
        if len(v) > MAX_ITEMS:
            return summary(v)
        return sorted((_recordable(x, depth + 1) for x in v), key=repr)
    item = getattr(v, "item", None)
    if callable(item) and getattr(v, "shape", None) == ():  # a numpy scalar or 0-d array
        return _recordable(item(), depth + 1)
    return summary(v)


def summary(v: Any) -> dict:
    """``{"type", "shape", "dtype", "size"}`` for arrays and frames, else ``{"type", "repr"}``."""
    out: dict = {"type": _type_name(v)}
    shape = getattr(v, "shape", None)
    if shape is not None and not callable(shape):
        try:
            out["shape"] = [int(s) for s in shape]
        except Exception:
            pass
        dtype = getattr(v, "dtype", None)
        if dtype is not None:
            out["dtype"] = str(dtype)
        size = getattr(v, "size", None)
        if isinstance(size, int) or (size is not None and hasattr(size, "__index__")):
            out["size"] = int(size)
        columns = getattr(v, "columns", None)
        if columns is not None:
            try:
                out["columns"] = [str(c) for c in list(columns)[:MAX_ITEMS]]
            except Exception:
                pass
        return out
    if isinstance(v, (Mapping, list, tuple, set, frozenset)):
        out["size"] = len(v)
        return out
    try:
        r = repr(v)
    except Exception:
        r = object.__repr__(v)
    out["repr"] = r if len(r) <= MAX_REPR else r[:MAX_REPR] + "..."
    return out


def _type_name(v: Any) -> str:
    t = type(v)
    mod = t.__module__
    return t.__qualname__ if mod in ("builtins", None) else f"{mod.split('.')[0]}.{t.__qualname__}"


def json_default(v: Any) -> Any:
    """``json.dumps(default=…)``: what cannot be encoded is summarised, never pickled."""
    return recordable(v)


def sanitize(v: Any, depth: int = 0) -> Any:
    """A deep copy that json.dumps always accepts (the encoder's fallback); floats stay floats, NaN and
    infinities included (the wire carries them as NaN, Infinity, -Infinity)."""
    if v is None or isinstance(v, (bool, int, str, float)):
        return v
    if depth > 100:
        return summary(v)
    if isinstance(v, Mapping):
        return {str(k): sanitize(x, depth + 1) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [sanitize(x, depth + 1) for x in v]
    return recordable(v)
