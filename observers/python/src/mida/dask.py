"""Dask observer: provenance of every task of a Dask run, with one line in the user's code.

The paper's Listing 2 with MIDA::

    from dask.distributed import Client
    from mida.dask import MidaDask
    client = Client()
    client.register_plugin(MidaDask(campaign_id="my_campaign", workflow_name="incr"))
    def incr(n):
        return n + 1
    futures = client.map(incr, range(1000))
    results = client.gather(futures)

``MidaDask`` is a scheduler plugin; when the scheduler starts it, it registers its worker half on every
worker (present and future), so one ``register_plugin`` call observes both sides:

Or, for a scheduler started from the command line, ``dask scheduler --preload mida.dask`` (see
:func:`dask_setup`).

- **scheduler**: each task SUBMITTED with ``submitted_at`` and ``dependencies`` (the task graph's
  edges, so lineage has ``wasInformedBy``); a task that never ran because a dependency failed, or
  that was released before it finished (cancelled), is ERROR; a workflow event at registration
  (machine and cluster) and FINISHED when the client closes;
- **worker**: RUNNING with ``used`` (the call's arguments named by the function's signature), then
  FINISHED with ``generated`` (a dict result gives its keys, anything else ``result``) or ERROR with
  the traceback in ``stderr``; ``hostname`` and ``node_name`` (the worker's name).

A result that another task consumes becomes an entity ``dask://<workflow_id>/<key>``: the producer
``generated`` it (role ``dask_output``), the consumer ``used`` it under its parameter's name, so lineage
runs task → entity → task. Values that are not JSON are summarised (type, shape, dtype, size), never
pickled. Every ``MidaDask`` is one run: its ``workflow_id`` is generated unless given and every task
id is ``<workflow_id>/<key>``, so the same computation run twice gives two workflows side by side
(and a key computed again within one run, after Dask forgot it, is a new task ``<key>#1``).

The hooks run on the scheduler's and workers' event loops, never in the task's thread; each one only
builds a small dict and hands it to a buffered :class:`~mida.emitter.Emitter` (no I/O), and any error
in them is logged and swallowed, so observing can neither fail nor stall a task.
"""

from __future__ import annotations

import getpass
import logging
import os
import platform
import socket
import time
import uuid
import weakref
from collections.abc import Mapping
from typing import Any, Dict, Iterable, List, Optional

from distributed.diagnostics.plugin import SchedulerPlugin, WorkerPlugin

from mida import _values, wire

__all__ = ["PLUGIN_NAME", "MidaDask", "entity_id", "task_id"]

log = logging.getLogger("mida.dask")

#: the name both halves are registered under: registering a new MidaDask replaces the previous one
PLUGIN_NAME = "mida"
ADAPTER_ID = "dask"
ENTITY_TYPE = "dask.result"
OUTPUT_ROLE = "dask_output"
_MISSING = object()
#: seconds between the scheduler half's status reports ("type":"observer")
DEFAULT_STATUS_INTERVAL_S = 10.0
#: keys remembered as forgotten (to number their next execution), at most
_MAX_FORGOTTEN = 1_000_000
#: elements of a list/dict argument recorded, at most
_MAX_ITEMS = 100


def key_text(key: Any) -> str:
    """A Dask key as text: ``"incr-3f2a"`` or, for a tuple key, ``"sum-9fbd[0,1]"``."""
    if isinstance(key, tuple) and key:
        return f"{key_text(key[0])}[{','.join(key_text(k) for k in key[1:])}]"
    return str(key)


def task_id(workflow_id: str, key: Any, execution: int = 0) -> str:
    """The task id of a Dask key within one run; ``execution`` counts the times the key was computed
    again after Dask had forgotten it (``incr-3f2a#1`` the second time)."""
    return f"{workflow_id}/{key_text(key)}" + (f"#{execution}" if execution else "")


def entity_id(workflow_id: str, key: Any, execution: int = 0) -> str:
    """The entity id of the result of a Dask key within one run."""
    return f"dask://{workflow_id}/{key_text(key)}" + (f"#{execution}" if execution else "")


def _activity(key: Any) -> str:
    from dask.utils import key_split

    try:
        return key_split(key)
    except Exception:
        return key_text(key)


def _prefix(ts: Any, key: Any) -> str:
    """The task's activity: the key's prefix as Dask already computed it for the task (the
    scheduler's ``TaskPrefix``, the worker's ``prefix`` string), else :func:`_activity`."""
    p = getattr(ts, "prefix", None)
    if type(p) is str:
        return p
    name = getattr(p, "name", None)
    return name if type(name) is str else _activity(key)


#: ids that passed wire.valid_id in this process (activities, hosts, workflow and campaign ids)
_vouched: set = set()


def _vouch(v: Any) -> bool:
    """``wire.valid_id`` for the ids that repeat from task to task, remembered once they pass."""
    if v in _vouched:
        return True
    if not wire.valid_id(v):
        return False
    if len(_vouched) < 4096:
        _vouched.add(v)
    return True


class _Config:
    """What both halves need, small and picklable (it travels to the scheduler and every worker)."""

    __slots__ = ("campaign_id", "emitter_settings", "workflow_id", "workflow_name")

    def __init__(
        self,
        workflow_id: str,
        campaign_id: Optional[str],
        workflow_name: Optional[str],
        emitter_settings: Dict[str, Any],
    ):
        self.workflow_id = workflow_id
        self.campaign_id = campaign_id
        self.workflow_name = workflow_name
        self.emitter_settings = emitter_settings

    def __getstate__(self):
        return {s: getattr(self, s) for s in self.__slots__}

    def __setstate__(self, state):
        for s in self.__slots__:
            setattr(self, s, state[s])

    def emitter(self):
        from mida.emitter import Emitter

        return Emitter(**self.emitter_settings)

    def base(self, key: Any, execution: int = 0) -> Dict[str, Any]:
        """A task event's ids: a ``wire.Canonical`` (the emitter sends it without validating it again)
        when they pass what ``wire.validate`` checks, else a plain dict, validated by the emitter and
        dead-lettered with the reason. A caller that adds a field that validation checks either
        checks it too or turns the event into a plain dict (``dict(ev)``)."""
        tid = task_id(self.workflow_id, key, execution)
        wf, campaign = self.workflow_id, self.campaign_id
        ok = wire.valid_id(tid) and _vouch(wf) and (campaign is None or _vouch(campaign))
        ev = (
            wire.Canonical(type="task", task_id=tid, workflow_id=wf)
            if ok
            else {"type": "task", "task_id": tid, "workflow_id": wf}
        )
        if campaign is not None:
            ev["campaign_id"] = campaign
        return ev


class MidaDask(SchedulerPlugin):
    """Observes a Dask run: ``client.register_plugin(MidaDask(campaign_id=…, workflow_name=…))``.

    :param campaign_id: the campaign the run belongs to (default ``$MIDA_CAMPAIGN_ID`` where it is
        created).
    :param workflow_name: the workflow's name (default ``"dask"``).
    :param workflow_id: this run's id (default: a new ``dask-<uuid>``; give it to resume a run).
    :param finish_with_client: the run is FINISHED when the clients that submitted to it have left
        (default); ``False`` keeps it open until the scheduler closes (a long-lived, preloaded one).
    :param emitter_settings: :class:`~mida.config.Settings` overrides (``redis_uri``, ``stream``, …);
        what is not given comes from the ``MIDA_*`` variables of each process (scheduler, workers).
    """

    name = PLUGIN_NAME

    def __init__(
        self,
        campaign_id: Optional[str] = None,
        workflow_name: Optional[str] = None,
        workflow_id: Optional[str] = None,
        *,
        finish_with_client: bool = True,
        status_interval_s: float = DEFAULT_STATUS_INTERVAL_S,
        **emitter_settings: Any,
    ) -> None:
        _check_settings(emitter_settings)
        if not status_interval_s > 0:
            raise ValueError(f"status_interval_s must be > 0, got {status_interval_s!r}")
        if campaign_id is None:
            campaign_id = os.environ.get("MIDA_CAMPAIGN_ID") or None
        self.config = _Config(
            workflow_id or f"dask-{uuid.uuid4()}",
            campaign_id,
            workflow_name,
            {k: v for k, v in emitter_settings.items() if v is not None},
        )
        self.finish_with_client = finish_with_client
        self.status_interval_s = float(status_interval_s)
        self._reset()

    @property
    def workflow_id(self) -> str:
        return self.config.workflow_id

    @property
    def campaign_id(self) -> Optional[str]:
        return self.config.campaign_id

    def _reset(self) -> None:
        self._emitter = None
        self._scheduler = None
        self._clients: set = set()
        self._linked: set = set()
        # keys computed again after Dask forgot them get a new task id: key -> times re-executed
        self._executions: Dict[Any, int] = {}
        self._seen: set = set()
        self._open: set = set()  # submitted, neither in memory nor erred yet
        self._forgotten: Dict[Any, None] = {}  # insertion-ordered set
        self._finished = False
        self._started_at: Optional[float] = None
        self._status_callback: Any = None
        self._counts = {"tasks_submitted": 0, "tasks_finished": 0, "tasks_erred": 0}
        # workers whose half failed to start: the scheduler records their tasks' ends itself
        self._blind: set = set()

    def __getstate__(self):  # only the configuration travels to the scheduler
        return {
            "config": self.config,
            "finish_with_client": self.finish_with_client,
            "status_interval_s": self.status_interval_s,
        }

    def __setstate__(self, state):
        self.config = state["config"]
        self.finish_with_client = state.get("finish_with_client", True)
        self.status_interval_s = state.get("status_interval_s", DEFAULT_STATUS_INTERVAL_S)
        self._reset()

    def __repr__(self) -> str:
        return f"MidaDask(workflow_id={self.workflow_id!r}, campaign_id={self.campaign_id!r})"

    # ---- scheduler lifecycle ---------------------------------------------------------------------

    async def start(self, scheduler) -> None:
        previous = scheduler.plugins.get(self.name)
        if previous is not None and previous is not self:
            if isinstance(previous, MidaDask):
                previous._finish()
                previous._close(timeout_s=5)
            scheduler.remove_plugin(self.name)  # so add_plugin does not warn about overwriting
        self._scheduler = scheduler
        self._emitter = self.config.emitter()
        self._started_at = time.time()
        self._emit(self._workflow_event(scheduler))
        self._report("running")
        from tornado.ioloop import PeriodicCallback

        self._status_callback = PeriodicCallback(
            lambda: self._report("stopped" if self._finished else "running"), self.status_interval_s * 1000
        )
        self._status_callback.start()
        from distributed.protocol.pickle import dumps

        responses = await scheduler.register_worker_plugin(
            None, dumps(_MidaWorker(self.config)), name=self.name, idempotent=False
        )
        for worker, answer in (responses or {}).items():
            if isinstance(answer, dict) and answer.get("status") == "error":
                self._blind.add(worker)
                # e.g. mida not installed there, or a MIDA_* variable it cannot parse
                log.warning(
                    "mida: worker %s does not record tasks: %s",
                    worker,
                    answer.get("exception_text") or answer,
                )

    async def close(self) -> None:
        self._finish()
        self._close(timeout_s=10)

    @property
    def observer_id(self) -> str:
        """This run's id among MIDA's observers (``GET /api/observers``): ``<host>/dask/<workflow_id>``."""
        return f"{socket.gethostname()}/dask/{self.workflow_id}"

    def _report(self, state: str) -> None:
        """An observer status report (wire ``"type":"observer"``): what this run's scheduler half has
        seen and sent. Runs on the scheduler's event loop; never raises."""
        try:
            if self._emitter is None:
                return
            st = self._emitter.stats()
            counters = {k: st[k] for k in ("emitted", "flushed", "spilled", "dropped", "rejected")}
            counters.update(self._counts)
            counters["workers"] = len(self._scheduler.workers) if self._scheduler is not None else 0
            ev = {
                "type": "observer",
                "observer_id": self.observer_id,
                "at": time.time(),
                "name": self.config.workflow_name or "dask",
                "kind": "dask",
                "state": state,
                "hostname": socket.gethostname(),
                "version": _version(),
                "pid": os.getpid(),
                "started_at": self._started_at,
                "interval": self.status_interval_s,
                "counters": counters,
                "custom_metadata": {"workflow_id": self.workflow_id},
            }
            if self.config.campaign_id is not None:
                ev["campaign_id"] = self.config.campaign_id
            self._emitter.emit(ev)
        except Exception:
            log.debug("mida: could not report the plugin's status", exc_info=True)

    def update_graph(
        self, scheduler, *, client: Optional[str] = None, tasks: Iterable = (), **kwargs: Any
    ) -> None:
        try:
            if client is not None:
                self._clients.add(client)
            now = time.time()
            cfg = self.config
            states = scheduler.tasks
            executions = self._executions
            for key in tasks:
                ts = states.get(key)
                if ts is None or ts.state in ("memory", "erred", "forgotten"):
                    continue
                if key in self._forgotten:  # the same key again: a new task beside the first
                    del self._forgotten[key]
                    executions[key] = executions.get(key, 0) + 1
                self._seen.add(key)
                self._open.add(key)
                self._counts["tasks_submitted"] += 1
                n = executions.get(key, 0)
                ev = cfg.base(key, n)
                ev["status"] = "SUBMITTED"
                ev["submitted_at"] = now
                ev["activity_id"] = activity = _prefix(ts, key)
                ev["adapter_id"] = ADAPTER_ID
                if type(ev) is wire.Canonical and not _vouch(activity):
                    ev = dict(ev)
                deps = ts.dependencies
                if deps:
                    dep_n = {d.key: executions.get(d.key, 0) for d in deps}
                    ev["dependencies"] = dep_ids = [task_id(cfg.workflow_id, k, i) for k, i in dep_n.items()]
                    if type(ev) is wire.Canonical and not all(wire.valid_id(d) for d in dep_ids):
                        ev = dict(ev)
                    for k, i in dep_n.items():  # the producer generated what this task will use
                        if (k, i) not in self._linked:
                            self._linked.add((k, i))
                            out = cfg.base(k, i)
                            out["generated"] = generated = {
                                OUTPUT_ROLE: _ref(cfg.workflow_id, k, execution=i)
                            }
                            if type(out) is wire.Canonical and not wire.entities_valid(generated):
                                out = dict(out)
                            self._emit(out)
                    renumbered = {key_text(k): i for k, i in dep_n.items() if i}
                else:
                    renumbered = {}
                if n or renumbered:  # tell the worker (annotations travel with the task)
                    ts.annotations = {**(ts.annotations or {}), "mida": {"n": n, "deps": renumbered}}
                self._emit(ev)
        except Exception:
            log.warning("mida: could not record a submitted graph", exc_info=True)

    def transition(self, key, start, finish, *args: Any, **kwargs: Any) -> None:
        if finish == "memory":
            if key in self._open:
                self._open.discard(key)
                self._counts["tasks_finished"] += 1
                if self._blind and kwargs.get("worker") in self._blind:
                    self._ended_on_blind_worker(key, "FINISHED", kwargs)
            return
        if finish == "forgotten":
            if key in self._open:  # released before it finished: cancelled, or its client left
                self._open.discard(key)
                self._cancelled(key)
            if key in self._seen:
                self._seen.discard(key)
                self._forgotten[key] = None
                self._linked.discard((key, self._executions.get(key, 0)))
                if len(self._forgotten) > _MAX_FORGOTTEN:  # a long-lived scheduler: forget the oldest
                    del self._forgotten[next(iter(self._forgotten))]
            return
        if finish != "erred":
            return
        if key in self._open:
            self._open.discard(key)
            self._counts["tasks_erred"] += 1
        # Tasks a worker runs are reported by the worker; here only what never reaches one, and the
        # tasks of workers that could not start their half.
        if start == "processing":
            if self._blind and kwargs.get("worker") in self._blind:
                self._ended_on_blind_worker(key, "ERROR", kwargs)
            return
        try:
            ev = dict(self.config.base(key, self._executions.get(key, 0)))  # rare: validated as given
            ev.update(status="ERROR", ended_at=time.time(), activity_id=_activity(key))
            ts = self._scheduler.tasks.get(key) if self._scheduler is not None else None
            blame = getattr(ts, "exception_blame", None)
            blame_key = getattr(blame, "key", None)
            text = getattr(ts, "exception_text", None) or kwargs.get("exception_text") or ""
            ev["stderr"] = (
                f"not run: {key_text(blame_key)} failed. {text}"
                if blame_key is not None
                else text or "erred in the scheduler"
            )
            self._emit(ev)
        except Exception:
            log.debug("mida: could not record an erred task", exc_info=True)

    def _ended_on_blind_worker(self, key: Any, status: str, info: Dict[str, Any]) -> None:
        """The end of a task that ran on a worker without its half, from what the worker told the
        scheduler (times of the compute, the exception): better than a task SUBMITTED for ever."""
        try:
            ev = dict(self.config.base(key, self._executions.get(key, 0)))  # rare: validated as given
            ev.update(status=status, activity_id=_activity(key), adapter_id=ADAPTER_ID)
            worker = str(info.get("worker"))
            ev["node_name"] = worker
            for ss in info.get("startstops") or ():
                if isinstance(ss, dict) and ss.get("action") == "compute":
                    ev["started_at"], ev["ended_at"] = ss.get("start"), ss.get("stop")
            ev.setdefault("ended_at", time.time())
            if status == "ERROR":
                ts = self._scheduler.tasks.get(key) if self._scheduler is not None else None
                ev["stderr"] = (
                    _traceback(
                        info.get("traceback_text") or getattr(ts, "traceback_text", ""),
                        info.get("exception_text") or getattr(ts, "exception_text", ""),
                    )
                    or "erred"
                )
            ev["custom_metadata"] = {"recorded_by": "scheduler: the worker's MIDA half did not start"}
            self._emit(ev)
        except Exception:
            log.debug("mida: could not record the end of %r", key, exc_info=True)

    def _cancelled(self, key: Any) -> None:
        # Without this a cancelled task would stay SUBMITTED or RUNNING for ever; the wire format has
        # no CANCELLED, so it is an ERROR that says so.
        try:
            ev = dict(self.config.base(key, self._executions.get(key, 0)))  # rare: validated as given
            ev.update(
                status="ERROR",
                ended_at=time.time(),
                activity_id=_activity(key),
                stderr="cancelled: released before it finished (cancelled, or its client left)",
            )
            self._emit(ev)
        except Exception:
            log.debug("mida: could not record a cancelled task", exc_info=True)

    def remove_client(self, scheduler, client: str) -> None:
        if self.finish_with_client and client in self._clients:
            self._clients.discard(client)
            if not self._clients:
                self._finish()

    # ---- helpers ---------------------------------------------------------------------------------

    def _emit(self, event: Dict[str, Any]) -> None:
        # every event is a dict built here for this call and never touched again: no defensive copy
        if self._emitter is not None:
            self._emitter._emit_owned(event)

    def _finish(self) -> None:
        if self._finished or self._emitter is None:
            return
        self._finished = True
        self._emit(
            {
                "type": "workflow",
                "workflow_id": self.workflow_id,
                "status": "FINISHED",
                "ended_at": time.time(),
            }
        )  # no flush here: this runs on the scheduler's event loop; the emitter's thread sends it
        self._report("stopped")
        if self._status_callback is not None:
            self._status_callback.stop()
            self._status_callback = None

    def _close(self, timeout_s: float) -> None:
        if self._status_callback is not None:
            self._status_callback.stop()
            self._status_callback = None
        emitter, self._emitter = self._emitter, None
        if emitter is not None:
            emitter.close(timeout_s=timeout_s)

    def _workflow_event(self, scheduler) -> Dict[str, Any]:
        import dask
        import distributed

        cfg = self.config
        hosts: Dict[str, Dict[str, Any]] = {}
        workers = []
        for ws in list(scheduler.workers.values()):
            h = hosts.setdefault(ws.host, {"workers": 0, "threads": 0, "memory_limit": 0})
            h["workers"] += 1
            h["threads"] += ws.nthreads
            h["memory_limit"] += ws.memory_limit or 0
            workers.append(str(ws.name))
        here = socket.gethostname()
        hosts.setdefault(here, {})["scheduler"] = True
        hosts[here].update(
            cpus=os.cpu_count(), platform=platform.platform(), python=platform.python_version()
        )
        ev = {
            "type": "workflow",
            "workflow_id": cfg.workflow_id,
            "name": cfg.workflow_name or "dask",
            "status": "RUNNING",
            "started_at": time.time(),
            "adapter_id": ADAPTER_ID,
            "user": _user(),
            "machine_info": hosts,
            "custom_metadata": {
                "scheduler": scheduler.address,
                "workers": sorted(workers),
                "n_workers": len(workers),
                "n_threads": sum(ws.nthreads for ws in scheduler.workers.values()),
                "dask_version": dask.__version__,
                "distributed_version": distributed.__version__,
            },
        }
        if cfg.campaign_id is not None:
            ev["campaign_id"] = cfg.campaign_id
        return ev


class _MidaWorker(WorkerPlugin):
    """The worker half, registered by :class:`MidaDask` on every worker."""

    name = PLUGIN_NAME

    def __init__(self, config: _Config) -> None:
        self.config = config
        self._worker = None
        self._emitter = None
        # key -> the RUNNING event's emit_deferred handle
        self._running: Dict[Any, Any] = {}
        self._ids_ok = False

    def __getstate__(self):
        return {"config": self.config}

    def __setstate__(self, state):
        self.__init__(state["config"])

    def setup(self, worker) -> None:
        self._worker = worker
        self._emitter = self.config.emitter()
        self._host = socket.gethostname()
        self._node = str(worker.name)
        self._ids_ok = _vouch(self._host) and _vouch(self._node)

    def teardown(self, worker) -> None:
        emitter, self._emitter = self._emitter, None
        if emitter is not None:
            emitter.close(timeout_s=10)

    def transition(self, key, start, finish, **kwargs: Any) -> None:
        emitter = self._emitter
        if emitter is None:
            return
        try:
            if finish == "executing":
                ts = self._worker.state.tasks.get(key)
                ev = self._event(key, ts)
                ev["status"] = "RUNNING"
                ev["started_at"] = time.time()
                if ts is not None:
                    try:
                        used = self._used(ts)
                    except Exception:  # another Dask's task spec: the task is still recorded
                        log.debug("mida: no used for %r", key, exc_info=True)
                        used = None
                    if used:
                        ev["used"] = used
                        if type(ev) is wire.Canonical and not wire.entities_valid(used):
                            ev = dict(ev)  # the emitter validates it and refuses it with the reason
                # held back for the emitter's linger: a task that ends sooner sends ONE event, this
                # dict completed into the end (no copy of the shared fields is kept per task)
                self._running[key] = emitter.emit_deferred(ev)
                return
            if start not in ("executing", "long-running"):
                if finish == "error":  # failed before it ran (e.g. its inputs could not be read)
                    self._end(key, "ERROR", emitter)
                return
            if finish == "memory":
                self._end(key, "FINISHED", emitter)
            elif finish == "error":
                self._end(key, "ERROR", emitter)
            elif finish != "long-running":  # released, cancelled, rescheduled: no end event here
                self._running.pop(key, None)
        except Exception:
            log.debug("mida: could not record %s -> %s of %r", start, finish, key, exc_info=True)

    def _end(self, key: Any, status: str, emitter: Any) -> None:
        handle = self._running.pop(key, None)
        # the RUNNING event back (started_at, used) when it still waits: it becomes the end event
        ev = emitter.withdraw(handle) if handle is not None else None
        ts = None
        if ev is None:
            ts = self._worker.state.tasks.get(key)
            ev = self._event(key, ts)
        ev["status"] = status
        ev["ended_at"] = ended = time.time()
        if status == "FINISHED":
            value = _peek(self._worker.data, key)
            if value is not _MISSING:
                ev["generated"] = generated = _generated(value)
                if type(ev) is wire.Canonical and not wire.entities_valid(generated):
                    ev = dict(ev)
        else:
            ts = ts or self._worker.state.tasks.get(key)
            if ts is not None:
                ev["stderr"] = _error_text(ts)
        if type(ev) is wire.Canonical and ended < ev.get("started_at", ended):  # the clock went back
            ev = dict(ev)  # the emitter refuses it, with the reason
        emitter._emit_owned(ev)

    def _event(self, key: Any, ts: Any) -> Dict[str, Any]:
        ev = self.config.base(key, _renumbering(ts).get("n", 0))
        ev["activity_id"] = activity = _prefix(ts, key)
        ev["adapter_id"] = ADAPTER_ID
        ev["hostname"] = self._host
        ev["node_name"] = self._node
        if type(ev) is wire.Canonical and not (self._ids_ok and _vouch(activity)):
            ev = dict(ev)
        return ev

    def _used(self, ts) -> Dict[str, Any]:
        """The call's arguments by parameter name; a dependency's result as its entity."""
        Alias, DataNode, NestedContainer, Task, TaskRef, DaskDict = _spec_types()

        spec = ts.run_spec
        wf = self.config.workflow_id
        data = self._worker.data
        renumbered = _renumbering(ts).get("deps") or {}

        def ref(k: Any) -> Dict[str, Any]:
            return _ref(wf, k, _peek(data, k), execution=renumbered.get(key_text(k), 0) if renumbered else 0)

        def render(a: Any) -> Any:
            if isinstance(a, (TaskRef, Alias)):
                return ref(a.target if isinstance(a, Alias) else a.key)
            if isinstance(a, DataNode):
                return _recordable(a.value)
            if isinstance(a, NestedContainer):  # a list, tuple, set or dict holding futures
                items = list(a.args)[:_MAX_ITEMS]
                if isinstance(a, DaskDict):
                    return {
                        key_text(k): render(v)
                        for k, v in (
                            items if all(isinstance(i, tuple) and len(i) == 2 for i in items) else []
                        )
                    }
                return [render(x) for x in items]
            if isinstance(a, Task):  # a nested call computed inside this task
                return {"task": _func_name(a.func)}
            return _recordable(a)

        if isinstance(spec, Alias):
            return {"input": render(spec)}
        if isinstance(spec, tuple) and len(spec) == 3 and callable(spec[0]):
            # Dask before 2024.12: (function, args, kwargs) with the dependencies' keys in the args
            func, args, kwargs = _unwrap_old_spec(spec[0], list(spec[1] or ()), dict(spec[2] or {}))
            deps = {d.key for d in ts.dependencies}

            def render_old(a: Any, depth: int = 0) -> Any:
                try:
                    if a in deps:
                        return ref(a)
                except TypeError:  # unhashable: not a key
                    pass
                if depth < 2 and isinstance(a, (list, tuple)):
                    return [render_old(x, depth + 1) for x in list(a)[:_MAX_ITEMS]]
                if depth < 2 and isinstance(a, dict) and "@id" not in a:
                    return {key_text(k): render_old(v, depth + 1) for k, v in list(a.items())[:_MAX_ITEMS]}
                return _recordable(a)

            render_arg = render_old
        elif isinstance(spec, Task):
            func, args, kwargs = spec.func, None, None
            render_arg = render
        else:
            return {}
        if getattr(func, "__module__", "").startswith("dask."):
            # dask's own wrappers (fused subgraphs, array/dataframe blocks): their inputs are the
            # dependencies; their arguments are graph plumbing
            return {
                f"input{i}" if i else "input": ref(d.key)
                for i, d in enumerate(sorted(ts.dependencies, key=lambda d: key_text(d.key)))
            }
        if args is None:
            args = list(spec.args)
            kwargs = dict(spec.kwargs)
        names = _parameter_names(func, len(args), kwargs)
        used: Dict[str, Any] = {}
        for name, a in zip(names, args):
            used[name] = render_arg(a)
        for name, a in kwargs.items():
            used[str(name)] = render_arg(a)
        return used


def _unwrap_old_spec(func: Any, args: list, kwargs: dict) -> tuple:
    """Dask before 2024.12 runs a delayed call as ``execute_task((apply, f, [args], (dict, [[k, v]])))``
    or ``execute_task((f, *args))``: the user's function and arguments inside."""
    if getattr(func, "__name__", "") == "execute_task" and len(args) == 1 and not kwargs:
        task = args[0]
        if isinstance(task, tuple) and task and callable(task[0]):
            inner, rest = task[0], list(task[1:])
            if getattr(inner, "__name__", "") == "apply" and rest and callable(rest[0]):
                f = rest[0]
                f_args = rest[1] if len(rest) > 1 and isinstance(rest[1], (list, tuple)) else []
                f_kwargs: dict = {}
                spec = rest[2] if len(rest) > 2 else None
                if isinstance(spec, dict):
                    f_kwargs = spec
                elif isinstance(spec, tuple) and len(spec) == 2 and spec[0] is dict:
                    try:
                        f_kwargs = {k: v for k, v in spec[1]}
                    except (TypeError, ValueError):
                        f_kwargs = {}
                return f, list(f_args), f_kwargs
            return inner, rest, {}
    return func, args, kwargs


_signatures: "weakref.WeakKeyDictionary[Any, Any]" = weakref.WeakKeyDictionary()
#: parameters by code object: a worker unpickles a fresh copy of the function for every task, but code
#: objects compare and hash by content, so a map's tasks still share one entry
_by_code: Dict[Any, Optional[list]] = {}
_MAX_CODES = 4096


_SPEC_TYPES: Optional[tuple] = None


def _spec_types() -> tuple:
    """Dask's task-spec classes (imported once, not on every task)."""
    global _SPEC_TYPES
    if _SPEC_TYPES is None:
        try:
            import dask._task_spec as spec
        except ImportError:  # a Dask older than the task-spec classes: only the tuple form exists
            spec = None

        class _Absent:  # stands for a class this Dask does not have: nothing is an instance of it
            pass

        _SPEC_TYPES = tuple(
            getattr(spec, name, _Absent)
            for name in ("Alias", "DataNode", "NestedContainer", "Task", "TaskRef", "Dict")
        )
    return _SPEC_TYPES


def _parameters(func: Any) -> Optional[list]:
    """The function's parameters, cached per function (a map's tasks share one)."""
    import inspect

    code = getattr(func, "__code__", None)
    if code is not None and type(func).__name__ == "function":
        try:
            return _by_code[code]
        except KeyError:
            pass
        except TypeError:  # an unhashable constant in the code object
            code = None
    else:
        code = None
        try:
            return _signatures[func]
        except (KeyError, TypeError):
            pass
    try:
        params = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):
        params = None
    if code is not None:
        if len(_by_code) >= _MAX_CODES:
            _by_code.clear()
        _by_code[code] = params
        return params
    try:
        _signatures[func] = params
    except TypeError:  # not weak-referenceable
        pass
    return params


def _parameter_names(func: Any, n_args: int, kwargs: Dict[str, Any]) -> List[str]:
    """The names of ``n_args`` positional arguments: the signature's (``*args`` as ``args[i]``).
    Cached per parameter list and count (a map's tasks share one list; the caller does not change it)."""
    params = _parameters(func)
    hit = _names.get((id(params), n_args))
    if hit is not None and hit[0] is params:
        return hit[1]
    names = _names_of(params, n_args)
    if len(_names) >= _MAX_CODES:
        _names.clear()
    _names[(id(params), n_args)] = (params, names)  # holds params: its id cannot be reused meanwhile
    return names


#: (id of a parameter list, number of positional arguments) -> (that list, the names)
_names: Dict[tuple, tuple] = {}


def _names_of(params: Optional[list], n_args: int) -> List[str]:
    if params is None:
        return [f"arg{i}" for i in range(n_args)]
    names: List[str] = []
    for p in params:
        if len(names) == n_args:
            break
        if p.kind == p.VAR_POSITIONAL:
            names += [f"{p.name}[{i}]" for i in range(n_args - len(names))]
        elif p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            names.append(p.name)
    names += [f"arg{i}" for i in range(len(names), n_args)]
    return names


_recordable = _values.recordable


def _generated(value: Any) -> Dict[str, Any]:
    if isinstance(value, Mapping) and "@id" not in value and 0 < len(value) <= _values.MAX_ITEMS:
        return {str(k): _recordable(v) for k, v in value.items()}
    return {"result": _recordable(value)}


def _version() -> str:
    from mida import __version__

    return __version__


def _check_settings(settings: Dict[str, Any]) -> None:
    """Names the emitter does not know fail here, in the user's process, not later on the scheduler."""
    import dataclasses

    from mida.config import Settings

    unknown = set(settings) - {f.name for f in dataclasses.fields(Settings)}
    if unknown:
        raise TypeError(f"MidaDask: unknown emitter setting(s): {', '.join(sorted(unknown))}")


def _renumbering(ts: Any) -> Dict[str, Any]:
    """What the scheduler half said about re-executed keys (absent in the common case)."""
    annotations = getattr(ts, "annotations", None)
    return (annotations or {}).get("mida") or {}


def _ref(workflow_id: str, key: Any, value: Any = _MISSING, execution: int = 0) -> Dict[str, Any]:
    """An entity reference to a task's result, with its value when it is a JSON scalar, else its
    summary (type, shape, dtype, size)."""
    ref: Dict[str, Any] = {"@id": entity_id(workflow_id, key, execution), "@type": ENTITY_TYPE}
    if value is _MISSING:
        return ref
    rendered = _recordable(value)
    if rendered is None or isinstance(rendered, (bool, int, float, str)):
        ref["value"] = rendered
    elif (
        isinstance(rendered, dict)
        and "type" in rendered
        and all(isinstance(v, (bool, int, float, str, list)) for v in rendered.values())
    ):
        for k, v in rendered.items():  # a summary
            ref["python_type" if k == "type" else k] = v
    else:
        from mida import _values

        ref["python_type"] = _values.summary(value).get("type")
    return ref


def _peek(data: Any, key: Any) -> Any:
    """A value held in memory, without unspilling it from disk."""
    fast = getattr(data, "fast", data)
    try:
        return fast.get(key, _MISSING)
    except Exception:
        return _MISSING


def _error_text(ts) -> str:
    return _traceback(getattr(ts, "traceback_text", ""), getattr(ts, "exception_text", ""))


def _traceback(tb: Optional[str], exc: Optional[str]) -> str:
    """A task's error as Python prints it: the traceback, then the exception."""
    tb, exc = tb or "", exc or ""
    return f"Traceback (most recent call last):\n{tb}{exc}" if tb else exc


def _func_name(f: Any) -> str:
    return getattr(f, "__qualname__", None) or getattr(f, "__name__", None) or type(f).__name__


def _user() -> Optional[str]:
    try:
        return getpass.getuser()
    except Exception:
        return None


def dask_setup(service: Any) -> Any:
    """``dask scheduler --preload mida.dask``: observe every task of this scheduler as one workflow run,
    FINISHED when the scheduler closes. Settings from the scheduler's ``MIDA_*`` variables
    (``MIDA_REDIS_URI``, ``MIDA_STREAM``, ``MIDA_CAMPAIGN_ID``; the name from ``MIDA_WORKFLOW_NAME``).
    The scheduler installs the worker half on every worker, so ``dask worker --preload mida.dask``
    is accepted but changes nothing. A client that registers its own ``MidaDask`` replaces this run.
    """
    from distributed import Scheduler

    if not isinstance(service, Scheduler):
        return None
    plugin = MidaDask(workflow_name=os.environ.get("MIDA_WORKFLOW_NAME") or None, finish_with_client=False)
    log.info("mida: observing this scheduler as workflow %s", plugin.workflow_id)
    return service.register_scheduler_plugin(plugin, name=PLUGIN_NAME, idempotent=False)
