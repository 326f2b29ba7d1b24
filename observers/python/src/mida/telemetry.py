"""Host and process telemetry, sampled by a background daemon thread; tasks read the newest snapshot
(no system call on the task's thread). The snapshot is the wire object of ``telemetry_at_start`` /
``telemetry_at_end``, with the Java side's field names (``observers/.../telemetry/Telemetry.java``):

    {"cpu": {"percent", "per_core"}, "memory": {"total", "available", "used", "percent", "swap_total",
     "swap_used", "swap_percent"}, "disk": {"read_bytes", "write_bytes", "read_count", "write_count"},
     "network": {"bytes_sent", "bytes_recv", "packets_sent", "packets_recv"},
     "process": {"pid", "rss", "cpu_percent", "cpu_time_s", "threads", "open_files"},
     "gpu": [{"index", "name", "utilization_percent", "memory_utilization_percent", "memory_used_mib",
              "memory_total_mib", "temperature_c", "power_w"}], "sampled_at"}

Needs ``psutil`` (and ``nvidia-ml-py`` for GPUs), imported when a sampler starts: ``pip install
'mida[telemetry]'``. Without psutil, :func:`start` logs a warning and snapshots stay empty.

    import mida.telemetry
    mida.telemetry.start()          # every @mida.task now carries telemetry_at_start/_end
    mida.telemetry.latest()         # the newest snapshot (a dict; {} before the first)

``MIDA_TELEMETRY=1`` starts it with the first task.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from typing import Any, Dict, List, Optional

from mida._values import Snapshot

LOG = logging.getLogger("mida.telemetry")
DEFAULT_INTERVAL_S = 1.0
GPU_INTERVAL_S = 5.0


class Sampler:
    """One sampling thread; :meth:`latest` costs an attribute read. Thread-safe."""

    def __init__(self, interval_s: float = DEFAULT_INTERVAL_S):
        if interval_s < 0.01:
            raise ValueError("interval_s must be >= 0.01")
        self.interval_s = interval_s
        self._latest: Dict[str, Any] = {}
        self._machine: Optional[Dict[str, Any]] = None
        self._last_read = time.monotonic()
        self._stop = threading.Event()
        self._psutil = None
        self._proc = None
        self._nvml = None
        self._gpus: List[Dict[str, Any]] = []
        self._gpu_at = 0.0
        self._thread: Optional[threading.Thread] = None

    def start(self) -> "Sampler":
        try:
            import psutil
        except ImportError:
            LOG.warning("psutil is not installed (pip install 'mida[telemetry]'): no telemetry")
            return self
        self._psutil = psutil
        self._proc = psutil.Process()
        self._init_gpu()
        # the first call only sets the baseline. The host's is psutil's per calling thread (psutil >= 6:
        # keyed by thread id), so the sampler thread sets its own in _run; the process's is this object's
        self._proc.cpu_percent()
        # a load is a difference of two samples: this first snapshot leaves the loads out rather than
        # claim 0 % (what psutil answers over a window of microseconds); the next one has them
        self._sample_safely(loads=False)
        self._thread = threading.Thread(target=self._run, name="mida-telemetry", daemon=True)
        self._thread.start()
        return self

    def latest(self) -> Dict[str, Any]:
        """The newest snapshot (do not change it; it may be up to ``interval_s`` old)."""
        self._last_read = time.monotonic()
        return self._latest

    def machine_info(self) -> Dict[str, Any]:
        """Hostname, OS, CPUs, memory, Python and GPUs of this machine; computed once."""
        if self._machine is None:
            import platform
            import sys

            m: Dict[str, Any] = {
                "hostname": socket.gethostname(),
                "os": f"{platform.system()} {platform.release()}",
            }
            cpus: Dict[str, Any] = {"logical": os.cpu_count()}
            if self._psutil is not None:
                cpus["physical"] = self._psutil.cpu_count(logical=False)
                m["memory"] = {"total": self._psutil.virtual_memory().total}
            cpus["model"] = platform.processor() or platform.machine()
            m["cpus"] = cpus
            m["python"] = sys.version.split()[0]
            if self._gpus:
                m["gpu"] = [g.get("name") for g in self._gpus]
            self._machine = m
        return self._machine

    def close(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        try:
            # this thread's baseline for the host's load: one taken on the thread that called start() is not
            # this thread's, and its first sample (the second snapshot) said 0 % on a busy machine
            self._psutil.cpu_percent(percpu=True)
        except Exception as e:
            LOG.warning("Telemetry sample failed: %s", e)
        while not self._stop.wait(self.interval_s):
            # nobody read for a while: keep the machine quiet until someone does
            if time.monotonic() - self._last_read > 10 * self.interval_s and self._latest:
                continue
            self._sample_safely()

    def _sample_safely(self, loads: bool = True) -> None:
        try:
            self._latest = Snapshot(self._sample(loads))  # immutable from here: see Snapshot
        except Exception as e:
            LOG.warning("Telemetry sample failed: %s", e)

    def _sample(self, loads: bool = True) -> Dict[str, Any]:
        ps = self._psutil
        m: Dict[str, Any] = {}
        if loads:
            per_core = [round(x, 1) for x in ps.cpu_percent(percpu=True)]
            m["cpu"] = {
                "percent": round(sum(per_core) / len(per_core), 1) if per_core else 0.0,
                "per_core": per_core,
            }
        vm, sw = ps.virtual_memory(), ps.swap_memory()
        m["memory"] = {
            "total": vm.total,
            "available": vm.available,
            "used": vm.total - vm.available,
            "percent": round(100.0 * (vm.total - vm.available) / vm.total, 1) if vm.total else 0.0,
            "swap_total": sw.total,
            "swap_used": sw.used,
            "swap_percent": round(sw.percent, 1),
        }
        try:
            d = ps.disk_io_counters()
        except Exception:
            d = None
        if d is not None:
            m["disk"] = {
                "read_bytes": d.read_bytes,
                "write_bytes": d.write_bytes,
                "read_count": d.read_count,
                "write_count": d.write_count,
            }
        try:
            n = ps.net_io_counters()
        except Exception:
            n = None
        if n is not None:
            m["network"] = {
                "bytes_sent": n.bytes_sent,
                "bytes_recv": n.bytes_recv,
                "packets_sent": n.packets_sent,
                "packets_recv": n.packets_recv,
            }
        p = self._proc
        with p.oneshot():
            t = p.cpu_times()
            proc = {
                "pid": p.pid,
                "rss": p.memory_info().rss,
                "cpu_time_s": round(t.user + t.system, 3),
                "threads": p.num_threads(),
            }
            if loads:
                proc["cpu_percent"] = round(p.cpu_percent(), 1)
            try:
                proc["open_files"] = p.num_fds() if hasattr(p, "num_fds") else p.num_handles()
            except Exception:
                pass
        m["process"] = proc
        now = time.monotonic()
        if self._nvml is not None and (self._gpu_at == 0 or now - self._gpu_at >= GPU_INTERVAL_S):
            self._gpus = self._query_gpus()
            self._gpu_at = now
        if self._gpus:
            m["gpu"] = self._gpus
        m["sampled_at"] = round(time.time(), 3)
        return m

    def _init_gpu(self) -> None:
        try:
            import pynvml  # nvidia-ml-py

            pynvml.nvmlInit()
            self._nvml = pynvml
        except Exception:
            self._nvml = None  # no library, no driver or no GPU

    def _query_gpus(self) -> List[Dict[str, Any]]:
        nv = self._nvml
        out = []
        try:
            for i in range(nv.nvmlDeviceGetCount()):
                h = nv.nvmlDeviceGetHandleByIndex(i)
                g: Dict[str, Any] = {"index": i}
                name = nv.nvmlDeviceGetName(h)
                g["name"] = name.decode() if isinstance(name, bytes) else name
                try:
                    u = nv.nvmlDeviceGetUtilizationRates(h)
                    g["utilization_percent"] = u.gpu
                    g["memory_utilization_percent"] = u.memory
                except Exception:
                    pass  # not supported on this GPU: left out, as nvidia-smi's [N/A]
                mem = _memory_info(nv, h)
                if mem is not None:
                    g["memory_used_mib"] = mem.used // (1 << 20)
                    g["memory_total_mib"] = mem.total // (1 << 20)
                for key, fn in (
                    ("temperature_c", lambda h=h: nv.nvmlDeviceGetTemperature(h, nv.NVML_TEMPERATURE_GPU)),
                    ("power_w", lambda h=h: round(nv.nvmlDeviceGetPowerUsage(h) / 1000.0, 1)),
                ):
                    try:
                        g[key] = fn()
                    except Exception:
                        pass
                out.append(g)
        except Exception as e:
            LOG.debug("GPU query failed: %s", e)
        return out


def _memory_info(nv: Any, handle: Any) -> Any:
    """The device's memory as nvidia-smi reports it: NVML's v2 struct, whose ``used`` leaves out the
    memory the driver reserves (v1's ``used`` counts it: ~480 MiB on an idle H100 that nvidia-smi and
    the Java observer show as 0); v1 on drivers or bindings without v2. None when neither answers."""
    v2 = getattr(nv, "nvmlMemory_v2", None)
    if v2 is not None:
        try:
            return nv.nvmlDeviceGetMemoryInfo(handle, version=v2)
        except Exception:
            pass
    try:
        return nv.nvmlDeviceGetMemoryInfo(handle)
    except Exception:
        return None


_shared: Optional[Sampler] = None
_lock = threading.Lock()
_restart_in_child: Optional[float] = None  # the interval of a sampler the parent ran before a fork


def start(interval_s: float = DEFAULT_INTERVAL_S) -> Sampler:
    """The process-wide sampler, started on the first call (later calls return it)."""
    global _shared
    with _lock:
        if _shared is None:
            _shared = Sampler(interval_s).start()
        return _shared


def latest() -> Dict[str, Any]:
    """The newest snapshot of the process-wide sampler; {} when none was started."""
    s = _shared
    if s is None:
        if _restart_in_child is None:
            return {}
        s = start(_restart_in_child)
    return s.latest()


_bare: Optional[Sampler] = None


def machine_info() -> Dict[str, Any]:
    """This machine's description (with psutil's numbers once a sampler runs)."""
    global _bare
    s = _shared
    if s is None:
        s = _bare = _bare or Sampler()
    return s.machine_info()


def stop() -> None:
    global _shared
    with _lock:
        if _shared is not None:
            _shared.close()
            _shared = None


def _after_fork_in_child() -> None:
    # the sampler thread did not survive the fork: the child starts one of its own when first read
    global _shared, _lock, _restart_in_child
    _lock = threading.Lock()
    if _shared is not None:
        _restart_in_child = _shared.interval_s
    _shared = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
