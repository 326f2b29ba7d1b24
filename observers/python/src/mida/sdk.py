"""Instrument plain Python code: a workflow context, a task decorator, entity references, loops and
an explicit task object. Events go to the process-wide emitter (:func:`mida.emitter.get_default`)
unless a workflow names another.

    import mida

    @mida.task
    def train(data, lr=0.01):
        return {"loss": 0.1, "model": mida.entity("model://unet/1", "model")}

    with mida.workflow(name="training", campaign_id="c1"):
        for epoch in mida.loop(range(3)):
            train(mida.entity("file:///data/x.h5", "dataset"))
        with mida.Task("evaluate", used={"split": "test"}) as t:
            t.generated["accuracy"] = 0.93

Arguments become ``used`` by parameter name (defaults applied), the return value ``generated`` (a dict
by its keys, anything else as ``result``); values that are not JSON are summarised (type, shape, dtype,
size), never pickled. An exception makes the task ERROR with the traceback in ``stderr`` and is
re-raised. Tasks called inside a task get it as ``parent_task_id``. Context travels with
:mod:`contextvars` (threads started inside do not inherit it; asyncio tasks do).
"""

from __future__ import annotations

import contextvars
import functools
import getpass
import inspect
import itertools
import os
import socket
import sys
import time
import traceback
import uuid
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, TypeVar, overload

from mida import _values, wire

ADAPTER_ID = "python-sdk"
MAX_STDERR_CHARS = 16_384

_WORKFLOW_FIELDS = frozenset(
    "name parent_workflow_id adapter_id user environment_id machine_info code_repository used generated "
    "custom_metadata".split()
)

F = TypeVar("F", bound=Callable[..., Any])

_current_workflow: contextvars.ContextVar[Optional["workflow"]] = contextvars.ContextVar(
    "mida_workflow", default=None
)
_current_task: contextvars.ContextVar[Optional["Task"]] = contextvars.ContextVar("mida_task", default=None)
# workflows entered and not yet left in this process, innermost last (see current_workflow)
_open_workflows: List["workflow"] = []


def _workflow_here() -> Optional["workflow"]:
    wf = _current_workflow.get()
    if wf is None and _open_workflows:
        try:
            return _open_workflows[-1]
        except IndexError:  # closed meanwhile by another thread
            return None
    return wf


# ---------------------------------------------------------------------- entities


def entity(id: Any, type: Optional[str] = None, **attributes: Any) -> dict:
    """An entity reference ``{"@id": id, "@type": type, ...attributes}`` for ``used``/``generated``;
    the same id named by two tasks is one entity, which is how lineage crosses tasks. A path
    (``pathlib.Path`` or ``os.PathLike``) becomes ``file:///abs/path`` of type ``file``."""
    if isinstance(id, os.PathLike):
        return file_entity(id, type or "file", **attributes)
    if not isinstance(id, str) or not id.strip():
        raise ValueError(f"an entity id must be a non-empty string, got {id!r}")
    ref: dict = {"@id": id}
    if type is not None:
        ref["@type"] = type
    for k, v in attributes.items():
        if k not in ("@id", "@type"):
            ref[k] = _values.recordable(v)
    return ref


def file_entity(path: Any, type: Optional[str] = "file", **attributes: Any) -> dict:
    """``{"@id": "file:///abs/path", "@type": "file"}`` for a path (no file system access)."""
    p = os.fspath(path)
    if isinstance(p, bytes):
        p = os.fsdecode(p)
    if p.startswith("file://"):
        uri = p
    else:
        uri = "file://" + os.path.abspath(os.path.expanduser(p)).replace(os.sep, "/")
    return entity(uri, type, **attributes)


# ---------------------------------------------------------------------- host facts (cached)

_facts: Dict[str, Optional[str]] = {}


def _hostname() -> str:
    h = _facts.get("hostname")
    if h is None:
        h = _facts["hostname"] = socket.gethostname() or os.environ.get("HOSTNAME", "localhost")
    return h


def _user() -> Optional[str]:
    if "user" not in _facts:
        try:
            _facts["user"] = getpass.getuser()
        except Exception:
            _facts["user"] = None
    return _facts["user"]


# Task ids: a random 80-bit prefix per process (new in a forked child) and a counter, 32 hex digits like a
# uuid4's. uuid4() reads os.urandom on every call, which alone cost ~8 µs per decorated call here.
_ids = [uuid.uuid4().hex[:20], itertools.count()]


def _reset_ids() -> None:
    _ids[0], _ids[1] = uuid.uuid4().hex[:20], itertools.count()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_ids)


def _new_task_id() -> str:
    return f"{_ids[0]}{next(_ids[1]):012x}"


def _emitter():
    wf = _workflow_here()
    if wf is not None and wf.emitter is not None:
        return wf.emitter
    from mida.emitter import get_default

    return get_default()


def _default_campaign(emitter: Any = None) -> Optional[str]:
    """The current workflow's campaign, else the emitter's ``campaign_id`` setting (MIDA_CAMPAIGN_ID)."""
    wf = _workflow_here()
    if wf is not None:
        return wf.campaign_id
    settings = getattr(emitter if emitter is not None else _emitter(), "settings", None)
    return getattr(settings, "campaign_id", None)


_telemetry_from_env: Optional[bool] = None


def _telemetry_module():
    """mida.telemetry when the application uses it (or MIDA_TELEMETRY=1 asks for it), else None."""
    global _telemetry_from_env
    t = sys.modules.get("mida.telemetry")
    if t is None:
        if _telemetry_from_env is None:
            _telemetry_from_env = os.environ.get("MIDA_TELEMETRY", "").strip().lower() in (
                "1",
                "true",
                "yes",
                "on",
            )
        if not _telemetry_from_env:
            return None
        import mida.telemetry as t

        t.start()
    return t


def _telemetry() -> Optional[dict]:
    t = sys.modules.get("mida.telemetry")
    if t is not None:
        s = t._shared  # the running sampler: its latest snapshot without two more calls
        return s.latest() if s is not None else t.latest()
    t = _telemetry_module()
    return t.latest() if t is not None else None


valid_id = wire.valid_id
#: issue 15 (obs18): a task's shared event fields from its workflow's per-activity template, and no
#: entity walk for a used/generated map of scalars (False: laid out, checked and walked per task, as
#: before; MIDA_SDK_TEMPLATES=0)
_TEMPLATES = os.environ.get("MIDA_SDK_TEMPLATES", "1").strip().lower() not in ("0", "false", "no", "off")
# ids already found valid (activities, workflows, campaigns, host, user): checked once, bounded
_vouched: set = set()


def _vouch_id(v: str) -> bool:
    if not valid_id(v):
        return False
    if len(_vouched) < 4096:
        _vouched.add(v)
    return True


def _stderr(exc: BaseException) -> str:
    s = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return s if len(s) <= MAX_STDERR_CHARS else s[:MAX_STDERR_CHARS] + "\n... (truncated)"


# ---------------------------------------------------------------------- workflow


class workflow:
    """A workflow run as a context manager: a workflow event RUNNING at enter, FINISHED (or ERROR)
    at exit. Nested workflows get ``parent_workflow_id``; tasks inside get its ids.

    ``attrs`` of the workflow schema (``used``, ``custom_metadata``, ``code_repository``, …) go on the
    event as they are; any other keyword goes into ``custom_metadata``. ``emitter`` picks another
    emitter than the process-wide one.
    """

    def __init__(
        self,
        name: Optional[str] = None,
        workflow_id: Optional[str] = None,
        campaign_id: Optional[str] = None,
        emitter: Any = None,
        **attrs: Any,
    ):
        self.name = name
        self.workflow_id = workflow_id or f"wf-{uuid.uuid4().hex}"
        self._campaign_id = campaign_id
        self.campaign_id: Optional[str] = campaign_id
        self.parent_workflow_id: Optional[str] = None
        self.emitter = emitter
        self.generated: Dict[str, Any] = {}
        self._attrs = attrs
        self._token: Optional[contextvars.Token] = None
        self.started_at: Optional[float] = None
        # (activity, workflow_id, campaign_id) -> (the task events' shared fields, vouched?); see Task._base
        self._task_templates: Dict[tuple, tuple] = {}

    def __enter__(self) -> "workflow":
        parent = _workflow_here()
        if parent is not None:
            self.parent_workflow_id = parent.workflow_id
            if self.emitter is None:
                self.emitter = parent.emitter
        if self.campaign_id is None:
            self.campaign_id = parent.campaign_id if parent is not None else _default_campaign(self.emitter)
        self.started_at = time.time()
        ev = self._event("RUNNING")
        ev["started_at"] = self.started_at
        t = _telemetry_module()
        info = dict(t.machine_info()) if t is not None else {"hostname": _hostname()}
        info["pid"] = os.getpid()
        ev["machine_info"] = info
        custom: Dict[str, Any] = {}
        for k, v in self._attrs.items():
            if k in _WORKFLOW_FIELDS:
                ev[k] = _values.recordable(v)
            else:
                custom[k] = _values.recordable(v)
        if custom:
            ev["custom_metadata"] = {**ev.get("custom_metadata", {}), **custom}
        self._emit(ev)
        self._token = _current_workflow.set(self)
        _open_workflows.append(self)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self._token is not None:
            _reset(_current_workflow, self._token, None)
            self._token = None
        try:
            _open_workflows.remove(self)
        except ValueError:
            pass
        ev = self._event("ERROR" if exc is not None else "FINISHED")
        ev["started_at"] = self.started_at
        ev["ended_at"] = time.time()
        if self.generated:
            ev["generated"] = {k: _values.recordable(v) for k, v in self.generated.items()}
        if exc is not None:
            ev["custom_metadata"] = {"error": _stderr(exc)}
        self._emit(ev)

    def _event(self, status: str) -> dict:
        ev = {"type": "workflow", "workflow_id": self.workflow_id, "status": status, "adapter_id": ADAPTER_ID}
        for k, v in (
            ("name", self.name),
            ("campaign_id", self.campaign_id),
            ("parent_workflow_id", self.parent_workflow_id),
            ("user", _user()),
        ):
            if v is not None:
                ev[k] = v
        return ev

    def _emit(self, ev: dict) -> None:
        (self.emitter or _emitter()).emit(ev)


def current_workflow() -> Optional[workflow]:
    """The workflow of this context, else the innermost workflow still open in this process: a thread
    that did not inherit the context (a ``ThreadPoolExecutor``'s, a library's callback thread) still
    records its tasks in the running workflow."""
    return _workflow_here()


def _reset(var: contextvars.ContextVar, token: contextvars.Token, previous: Any) -> None:
    try:
        var.reset(token)
    except ValueError:  # left in another context (a generator resumed elsewhere): restore by value
        var.set(previous)


# ---------------------------------------------------------------------- explicit tasks


class Task:
    """One task, for code that cannot use the decorator:

        with mida.Task("train", used={"lr": 0.01}) as t:
            t.generated["loss"] = 0.1

    RUNNING at enter, FINISHED at exit (ERROR with the traceback when the block raises; the exception
    propagates). :meth:`start`/:meth:`end` do the same without ``with``.
    """

    def __init__(
        self,
        name: str,
        used: Optional[Dict[str, Any]] = None,
        *,
        task_id: Optional[str] = None,
        activity_id: Optional[str] = None,
        dependencies: Optional[Iterable[str]] = None,
        custom_metadata: Optional[Dict[str, Any]] = None,
        tags: Optional[Iterable[str]] = None,
        parent_task_id: Optional[str] = None,
    ):
        self.name = name
        self.activity_id = activity_id or name
        self._own_id = not task_id  # an id made here is valid by construction
        self.task_id = task_id or _new_task_id()
        self.used: Dict[str, Any] = dict(used or {})
        self.generated: Dict[str, Any] = {}
        self.custom_metadata: Dict[str, Any] = dict(custom_metadata or {})
        self.dependencies: List[str] = list(dependencies or [])
        self.tags: List[str] = list(tags or [])
        self.parent_task_id = parent_task_id
        self.started_at: Optional[float] = None
        self.ended_at: Optional[float] = None
        self.status: Optional[str] = None
        self._wf: Optional[workflow] = None
        self._token: Optional[contextvars.Token] = None
        self._previous: Optional[Task] = None
        self._shared: Optional[dict] = None
        self._canonical = False  # may its events skip the emitter's validation (see _base)
        self._running: Optional[list] = None  # the RUNNING event's emit_deferred handle

    def start(self, _current: bool = True) -> "Task":
        if self.started_at is not None:
            raise RuntimeError(f"task {self.task_id} already started")
        self._wf = _workflow_here()
        self._previous = _current_task.get()
        if self.parent_task_id is None and self._previous is not None:
            self.parent_task_id = self._previous.task_id
        self.started_at = time.time()
        self.status = "RUNNING"
        ev = self._base("RUNNING")
        ev["submitted_at"] = self.started_at
        if self.used:
            used, flat = _values.record_map_flat(self.used)
            ev["used"] = used
            if not (flat and _TEMPLATES) and type(ev) is wire.Canonical and not wire.entities_valid(used):
                ev = dict(ev)  # the emitter validates it and refuses it with the reason
        if self.dependencies:
            ev["dependencies"] = list(self.dependencies)
        if self.tags:
            ev["tags"] = list(self.tags)
        telemetry = _telemetry()
        if telemetry:
            ev["telemetry_at_start"] = telemetry
            if type(telemetry) is not dict and type(telemetry) is not _values.Snapshot:
                ev = dict(ev)
        self._emit(ev, deferred=True)
        if _current:
            self._token = _current_task.set(self)
        return self

    def end(self, error: Optional[BaseException] = None) -> None:
        """FINISHED with :attr:`generated`, or ERROR with ``error``'s traceback in ``stderr``."""
        if self.ended_at is not None:
            return
        if self.started_at is None:
            self.start()
        if self._token is not None:
            _reset(_current_task, self._token, self._previous)
            self._token = None
        self.ended_at = time.time()
        self.status = "ERROR" if error is not None else "FINISHED"
        ev = None
        running, self._running = self._running, None
        if running is not None:
            # still waiting for its linger: ONE event for the task, the RUNNING one (submitted_at,
            # used, tags, telemetry_at_start) completed into the end event
            try:
                ev = running.pop()  # Emitter.withdraw: None when it already joined the buffer
            except IndexError:
                pass
        if ev is None:
            ev = self._base(self.status)
        else:
            ev["status"] = self.status
            if self.custom_metadata:
                ev["custom_metadata"] = _values.record_map(self.custom_metadata)
        ev["ended_at"] = self.ended_at
        if self.generated:
            generated, flat = _values.record_map_flat(self.generated)
            ev["generated"] = generated
            walk = not (flat and _TEMPLATES) and type(ev) is wire.Canonical
            if walk and not wire.entities_valid(generated):
                ev = dict(ev)
        if self.dependencies:
            ev["dependencies"] = list(self.dependencies)
        if error is not None:
            ev["stderr"] = _stderr(error)
        telemetry = _telemetry()
        if telemetry:
            ev["telemetry_at_end"] = telemetry
            if type(telemetry) is not dict and type(telemetry) is not _values.Snapshot:
                ev = dict(ev)
        if self.ended_at < self.started_at:  # the clock went back: the emitter refuses it, with the reason
            ev = dict(ev)
        self._emit(ev)

    def __enter__(self) -> "Task":
        return self.start()

    def __exit__(self, exc_type, exc, tb) -> None:
        # a generator closed early (a loop left with break) is not a failure
        self.end(exc if exc is not None and not isinstance(exc, GeneratorExit) else None)

    def _base(self, status: str) -> dict:
        # the fields both events share are rendered once, at start
        base = self._shared
        if base is None and _TEMPLATES and self._wf is not None:
            base = self._from_template(status)
        if base is None:
            wf = self._wf
            base = {
                "type": "task",
                "task_id": self.task_id,
                "activity_id": self.activity_id,
                "status": status,
                "started_at": self.started_at,
                "hostname": _hostname(),
                "adapter_id": ADAPTER_ID,
            }
            user = _user()
            if user is not None:
                base["user"] = user
            if wf is not None:
                base["workflow_id"] = wf.workflow_id
            campaign = wf.campaign_id if wf is not None else _default_campaign()
            if campaign is not None:
                base["campaign_id"] = campaign
            if self.parent_task_id is not None:
                base["parent_task_id"] = self.parent_task_id
            self._shared = base
            # the fields validate() would check, checked once per task: then its events skip it
            self._canonical = self._vouch(base)
        ev = wire.Canonical(base) if self._canonical else base.copy()
        ev["status"] = status
        if self.custom_metadata:
            ev["custom_metadata"] = _values.record_map(self.custom_metadata)
        return ev

    def _from_template(self, status: str) -> dict:
        """:meth:`_base`'s shared fields from the workflow's template for this activity (issue 15,
        obs18): the fields that repeat from task to task (activity, host, adapter, user, workflow,
        campaign) laid out and checked once per workflow and activity, not once per task."""
        wf = self._wf
        key = (self.activity_id, wf.workflow_id, wf.campaign_id)
        templates = wf._task_templates
        hit = templates.get(key)
        if hit is None:
            tmpl = {
                "type": "task",
                "task_id": None,
                "activity_id": self.activity_id,
                "status": None,
                "started_at": None,
                "hostname": _hostname(),
                "adapter_id": ADAPTER_ID,
            }
            user = _user()
            if user is not None:
                tmpl["user"] = user
            tmpl["workflow_id"] = wf.workflow_id
            if wf.campaign_id is not None:
                tmpl["campaign_id"] = wf.campaign_id
            ok = all(
                v is None or (type(v) is str and (v in _vouched or _vouch_id(v)))
                for v in (self.activity_id, tmpl["hostname"], user, wf.workflow_id, wf.campaign_id)
            )
            if len(templates) >= 256:
                templates.clear()
            hit = templates[key] = (tmpl, ok)
        tmpl, ok = hit
        base = tmpl.copy()  # the same keys in the same order as the event-by-event layout
        base["task_id"] = self.task_id
        base["status"] = status
        base["started_at"] = self.started_at
        if self.parent_task_id is not None:
            base["parent_task_id"] = self.parent_task_id
        self._shared = base
        self._canonical = ok and self._vouch_own()
        return base

    def _vouch_own(self) -> bool:
        """:meth:`_vouch` for the fields that are this task's own: its id, parent, dependencies, tags."""
        if not (self._own_id or valid_id(self.task_id)):
            return False
        if self.parent_task_id is not None and not valid_id(self.parent_task_id):
            return False
        for d in self.dependencies:
            if not valid_id(d):
                return False
        for t in self.tags:
            if type(t) is not str:
                return False
        return True

    def _vouch(self, base: dict) -> bool:
        """True when the fields ``wire.validate`` would check pass, so that this task's events may skip
        it (issue 15): ids non-blank strings of at most MAX_ID_LENGTH characters, tags strings. The
        values that repeat from task to task (activity, workflow, campaign, host, user) are checked once
        per process; a generated task id needs no check."""
        for f in ("activity_id", "hostname", "user", "workflow_id", "campaign_id"):
            v = base.get(f)
            if v is not None and not (type(v) is str and (v in _vouched or _vouch_id(v))):
                return False
        return self._vouch_own()

    def _emitter(self) -> Any:
        return self._wf.emitter if self._wf is not None and self._wf.emitter is not None else _emitter()

    def _emit(self, ev: dict, deferred: bool = False) -> None:
        try:
            emitter = self._emitter()
            if deferred and hasattr(emitter, "emit_deferred"):
                self._running = emitter.emit_deferred(ev)
                return
            owned = getattr(emitter, "_emit_owned", None)
            if owned is not None:
                owned(ev)  # a fresh dict nobody else holds: no defensive copy
            else:
                emitter.emit(ev)
        except Exception:  # provenance never breaks the workflow
            import logging

            logging.getLogger("mida.sdk").exception("cannot emit the event of task %s", self.task_id)


def current_task() -> Optional[Task]:
    return _current_task.get()


# ---------------------------------------------------------------------- the decorator


@overload
def task(fn: F) -> F: ...


@overload
def task(
    fn: None = None,
    *,
    name: Optional[str] = None,
    activity_id: Optional[str] = None,
    tags: Optional[Iterable[str]] = None,
) -> Callable[[F], F]: ...


def task(fn=None, *, name=None, activity_id=None, tags=None):
    """Records each call of a function as a task: ``@mida.task`` or ``@mida.task(name=...)``."""

    def decorate(f: F) -> F:
        activity = activity_id or name or getattr(f, "__name__", "task")
        try:
            sig: Optional[inspect.Signature] = inspect.signature(f)
        except (TypeError, ValueError):
            sig = None

        used_of = _binder(sig)

        def start(args: tuple, kwargs: dict, current: bool = True) -> Task:
            return Task(activity, used=used_of(args, kwargs), tags=tags).start(current)

        if inspect.isgeneratorfunction(f):
            # the task spans the iteration; it is not the caller's current task while suspended

            @functools.wraps(f)
            def gen_wrapper(*args, **kwargs):
                t = start(args, kwargs, current=False)
                try:
                    result = yield from f(*args, **kwargs)
                except GeneratorExit:  # the consumer stopped early: not a failure
                    t.end()
                    raise
                except BaseException as e:
                    t.end(e)
                    raise
                _set_generated(t, result)
                t.end()
                return result

            return gen_wrapper  # type: ignore[return-value]

        if inspect.iscoroutinefunction(f):

            @functools.wraps(f)
            async def async_wrapper(*args, **kwargs):
                t = start(args, kwargs)
                try:
                    result = await f(*args, **kwargs)
                except BaseException as e:
                    t.end(e)
                    raise
                _set_generated(t, result)
                t.end()
                return result

            return async_wrapper  # type: ignore[return-value]

        @functools.wraps(f)
        def wrapper(*args, **kwargs):
            t = start(args, kwargs)
            try:
                result = f(*args, **kwargs)
            except BaseException as e:
                t.end(e)
                raise
            _set_generated(t, result)
            t.end()
            return result

        return wrapper  # type: ignore[return-value]

    return decorate(fn) if fn is not None else decorate


def _used(sig: Optional[inspect.Signature], args: tuple, kwargs: dict) -> Dict[str, Any]:
    """The call's arguments by parameter name (defaults applied; ``self``/``cls`` left out; ``**kwargs``
    spread, ``*args`` as a list), the general way: :meth:`inspect.Signature.bind`."""
    if sig is None:
        out = {f"arg{i}": a for i, a in enumerate(args)}
        out.update(kwargs)
        return out
    try:
        bound = sig.bind(*args, **kwargs)
    except TypeError:  # the call itself will raise; record what was passed
        return {f"arg{i}": a for i, a in enumerate(args)} | dict(kwargs)
    bound.apply_defaults()
    out: Dict[str, Any] = {}
    for pname, value in bound.arguments.items():
        kind = sig.parameters[pname].kind
        if pname in ("self", "cls") and kind is inspect.Parameter.POSITIONAL_OR_KEYWORD:
            continue
        if kind is inspect.Parameter.VAR_KEYWORD:
            out.update(value)
        elif kind is inspect.Parameter.VAR_POSITIONAL:
            if value:
                out[pname] = list(value)
        else:
            out[pname] = value
    return out


_PLAIN_KINDS = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


def _binder(sig: Optional[inspect.Signature]) -> Callable[[tuple, dict], Dict[str, Any]]:
    """A function that gives what :func:`_used` gives for calls of ``sig``, prepared once per decorated
    function: ``Signature.bind`` + ``apply_defaults`` cost ~7 µs per call. Signatures with only plain
    parameters (no ``*args``, ``**kwargs`` or positional-only ones) are bound by a precomputed table;
    any call it does not understand (too many arguments, an unknown keyword, a missing one) falls back
    to :func:`_used`, which knows every rule."""
    if sig is None or any(p.kind not in _PLAIN_KINDS for p in sig.parameters.values()):
        return lambda args, kwargs: _used(sig, args, kwargs)
    params = list(sig.parameters.values())
    positional = tuple(p.name for p in params if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD)
    names = frozenset(p.name for p in params)
    empty = inspect.Parameter.empty
    # in parameter order: (name, default or empty, recorded?)
    pok = inspect.Parameter.POSITIONAL_OR_KEYWORD
    table = tuple((p.name, p.default, not (p.name in ("self", "cls") and p.kind is pok)) for p in params)
    n_pos = len(positional)

    def bind(args: tuple, kwargs: dict) -> Dict[str, Any]:
        if len(args) > n_pos or (kwargs and not names.issuperset(kwargs)):
            return _used(sig, args, kwargs)
        given = dict(zip(positional, args))
        if kwargs:
            for k in kwargs:
                if k in given:  # passed twice: the call raises
                    return _used(sig, args, kwargs)
            given.update(kwargs)
        out: Dict[str, Any] = {}
        for name, default, recorded in table:
            if name in given:
                value = given[name]
            elif default is not empty:
                value = default
            else:  # missing: the call raises
                return _used(sig, args, kwargs)
            if recorded:
                out[name] = value
        return out

    return bind


def _set_generated(t: Task, result: Any) -> None:
    if result is None:
        return
    if isinstance(result, dict) and "@id" not in result:
        t.generated.update({str(k): v for k, v in result.items()})
    else:
        t.generated["result"] = result


# ---------------------------------------------------------------------- loops


def loop(iterable: Iterable[Any], name: str = "epoch", **used: Any) -> Iterator[Any]:
    """Yields the items of ``iterable``, each iteration a task (``used``: its index, the item when it
    is a scalar or an entity, and ``used``); tasks run in the body get it as parent."""
    for i, item in enumerate(iterable):
        u: Dict[str, Any] = {"index": i, **used}
        r = _values.recordable(item)
        if r is None or isinstance(r, (bool, int, float, str)) or (isinstance(r, dict) and "@id" in r):
            u["item"] = r
        with Task(name, used=u):
            yield item
