"""bench/run dask-overhead [--quick]: what MIDA's Dask plugin and @mida.task cost, side by side with
no observer and with Flowcept's Dask plugin and @flowcept_task, in one run.

Progress lines on stdout, logs on stderr, ONE JSON object as the last line of stdout.

1. The same Dask workload (N tasks that sleep d ms, client.map + gather) on a fresh
   LocalCluster(processes=True, 2 workers x 1 thread) per run, with: no plugin; MidaDask (events to
   the Redis embedded in a real MIDA server, which ingests them concurrently); MidaDask writing to
   a side stream of the same Redis that the server does not read (the observer's own cost, without
   the server's ingest competing for the same 2 cores); Flowcept's
   FlowceptDaskWorkerAdapter + Flowcept("dask", dask_client=...) with its MQ (Redis pub/sub) and KV
   store on the same Redis. Repetitions alternate the order of the variants; medians are reported.
2. Per-call cost of a decorated function: bare, @mida.task, @flowcept_task.

Imports mida from observers/python/src (bench/run sets PYTHONPATH), so it measures the working tree.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
JAR = REPO / "server" / "target" / "mida-server.jar"


def progress(msg: str) -> None:
    print(f"[dask-overhead] {msg}", flush=True)


def log(msg: str) -> None:
    print(f"[dask-overhead] {msg}", file=sys.stderr, flush=True)


# a loaded 2-core machine needed 148 s to start it once (another helper's benchmarks running)
START_TIMEOUT_S = int(os.environ.get("MIDA_BENCH_START_TIMEOUT_S", "420"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------- the MIDA server


class Server:
    """The server jar with free ports and a temp data dir (as observers/python/tests/conftest.py)."""

    def __init__(self, tmp: Path):
        if not JAR.exists():
            progress(f"{JAR} missing: building it (mvn -B -q -DskipTests package)...")
            subprocess.run(
                ["mvn", "-B", "-q", "-DskipTests", "-Dspotless.check.skip=true", "package"],
                cwd=REPO, check=True, stdout=sys.stderr,
            )
        self.http, bolt, self.redis_port = free_port(), free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.http}"
        self.redis_uri = f"redis://127.0.0.1:{self.redis_port}"
        self.log_path = tmp / "server.log"
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            ["java", "-jar", str(JAR), "--port", str(self.http), "--bolt-port", str(bolt),
             "--redis-port", str(self.redis_port), "--data-dir", str(tmp / "store")],
            stdout=self._log, stderr=subprocess.STDOUT,
        )
        t0 = time.monotonic()
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited ({self.proc.returncode}); see {self.log_path}")
            try:
                if self.health().get("status") == "ok":
                    break
            except OSError:
                pass
            if time.monotonic() - t0 > START_TIMEOUT_S:
                self.stop()  # never leave a half-started server behind (it kept 2 cores busy)
                raise RuntimeError(f"the server did not become healthy in {START_TIMEOUT_S} s")
            time.sleep(0.25)
        self.start_s = time.monotonic() - t0
        # the embedded Redis requires the password the server generated in its data dir
        password = (tmp / "store" / "redis" / "password").read_text().strip()
        self.redis_password = password
        self.redis_uri = f"redis://:{password}@127.0.0.1:{self.redis_port}"

    def health(self) -> dict:
        try:
            with urllib.request.urlopen(self.url + "/api/health", timeout=10) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as e:  # 503 while starting still has a body
            return json.loads(e.read())

    def wait_ingested(self, timeout: float = 600) -> float:
        t0 = time.monotonic()
        while self.health().get("pending") != 0:
            if time.monotonic() - t0 > timeout:
                raise RuntimeError(f"ingest did not catch up in {timeout} s")
            time.sleep(0.2)
        return time.monotonic() - t0

    def cypher(self, query: str, **params) -> list:
        body = json.dumps({"query": query, "params": params}).encode()
        req = urllib.request.Request(self.url + "/api/cypher", data=body,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            out = json.loads(r.read())
        return out.get("rows", out) if isinstance(out, dict) else out

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._log.close()


# ---------------------------------------------------------------------------- Flowcept setup


def flowcept_settings(path: Path, redis_port: int, password: str = "") -> None:
    """Flowcept 1.0.3 settings: online MQ (Redis pub/sub) + KV store on the benchmark's Redis, no
    database (nothing is persisted by Flowcept here), telemetry off (MIDA's default is off too),
    the Dask adapter with its sample-settings defaults."""
    path.write_text(f"""\
project:
  debug: false
  json_serializer: default
  replace_non_json_serializable: true
  performance_logging: false
  enrich_messages: false
  db_flush_mode: online
  dump_buffer: {{enabled: false}}
log: {{log_path: "{path.parent / 'flowcept.log'}", log_file_level: disable, log_stream_level: error}}
telemetry_capture: {{gpu: ~, cpu: false, per_cpu: false, process_info: false, mem: false, disk: false,
                    network: false, machine_info: false}}
instrumentation: {{enabled: true}}
experiment: {{user: bench}}
mq: {{enabled: true, type: redis, host: 127.0.0.1, port: {redis_port}, password: "{password}", channel: interception,
     buffer_size: 50, insertion_buffer_time_secs: 5, timing: false, chunk_size: -1, same_as_kvdb: false}}
kv_db: {{enabled: true, host: 127.0.0.1, port: {redis_port}, password: "{password}"}}
databases: {{lmdb: {{enabled: false}}, mongodb: {{enabled: false}}}}
adapters:
  dask: {{kind: dask, worker_should_get_input: true, scheduler_should_get_input: true,
         worker_should_get_output: true, scheduler_create_timestamps: true, worker_create_timestamps: false}}
""")


SUBSCRIBER = r"""
import sys, threading, redis
r = redis.Redis.from_url(sys.argv[1])
ps = r.pubsub(); ps.psubscribe("interception")
n = {"task": 0, "all": 0}
def listen():
    for m in ps.listen():
        if m["type"] == "pmessage":
            n["all"] += 1
            if b"task_id" in m["data"]:
                n["task"] += 1
while ps.get_message(timeout=1) is None:
    pass
threading.Thread(target=listen, daemon=True).start()
print("ready", flush=True)
sys.stdin.read()
import time; time.sleep(0.5)
print(n["task"], n["all"], flush=True)
"""


class Subscriber:
    """Counts Flowcept's messages on its pub/sub channel (in its own process), so the benchmark can
    check that the task messages really left the workers."""

    def __init__(self, redis_uri: str):
        self.proc = subprocess.Popen([sys.executable, "-c", SUBSCRIBER, redis_uri], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().strip()
        if line != "ready":
            raise RuntimeError(f"pub/sub counter did not start: {line!r}")

    def stop(self) -> tuple:
        out, _ = self.proc.communicate("", timeout=60)
        task, total = out.split()
        return int(task), int(total)


# ---------------------------------------------------------------------------- the workload


def work(i, ms):
    time.sleep(ms / 1000.0)
    return i + 1


def patched_adapter_class():
    """FlowceptDaskWorkerAdapter with ONE compatibility fix, applied in each worker: Flowcept 1.0.3's
    get_run_spec_data indexes ts.run_spec as the (func, args, kwargs) tuple of Dask < 2024.12; since
    then it is a dask._task_spec.Task with .func/.args/.kwargs. Everything else is Flowcept's code."""
    from flowcept.flowceptor.adapters.dask.dask_plugins import FlowceptDaskWorkerAdapter

    class PatchedFlowceptDaskWorkerAdapter(FlowceptDaskWorkerAdapter):
        def setup(self, worker):
            from flowcept.flowceptor.adapters.dask import dask_interceptor as di

            if not getattr(di, "_bench_patched", False):
                original = di.get_run_spec_data

                def get_run_spec_data(task_msg, run_spec):
                    if hasattr(run_spec, "func") and hasattr(run_spec, "args"):
                        run_spec = (run_spec.func, tuple(run_spec.args), dict(run_spec.kwargs))
                    return original(task_msg, run_spec)

                di.get_run_spec_data = get_run_spec_data
                di._bench_patched = True
            super().setup(worker)

    return PatchedFlowceptDaskWorkerAdapter


def flowcept_incompatibility() -> str | None:
    """The error Flowcept's Dask worker interceptor raises on the task spec this Dask's workers hold,
    or None. Before Dask 2024.12 a worker's run_spec is a (func, args, kwargs) tuple, which Flowcept
    1.0.3 reads; since then it is a dask._task_spec.Task, which it cannot index."""
    import distributed
    from flowcept.commons.flowcept_dataclasses.task_object import TaskObject
    from flowcept.flowceptor.adapters.dask.dask_interceptor import get_run_spec_data
    from packaging.version import Version

    if Version(distributed.__version__) < Version("2024.12.0"):
        spec = (work, (1, 10), {})
    else:
        from dask._task_spec import Task

        spec = Task("k", work, 1, 10)
    try:
        get_run_spec_data(TaskObject(), spec)
        return None
    except Exception as e:
        return f"{type(e).__name__}: {e}"


def cpu_seconds(procs: list) -> float:
    """User + system CPU of this process (client, scheduler, their threads) and the given ones."""
    total = time.process_time()
    for p in procs:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except Exception:  # gone
            pass
    return total


def run_dask(variant: str, n: int, ms: float, ctx: dict) -> dict:
    import psutil
    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    client = Client(cluster)
    out: dict = {"variant": variant}
    sub = fc = None
    try:
        if variant.startswith("mida"):
            from mida.dask import MidaDask

            stream = {"stream": ctx["side_stream"]} if variant.startswith("mida_stream_only") else {}
            if variant.endswith("_linger0"):  # as before issue 15: RUNNING and FINISHED for every task
                stream["linger_s"] = 0
            plugin = MidaDask(campaign_id=ctx["campaign"], workflow_name=f"bench-{n}x{ms:g}ms",
                              redis_uri=ctx["redis_uri"], spill_dir=ctx["spill_dir"], **stream)
            client.register_plugin(plugin)
            out["workflow_id"] = plugin.workflow_id
        elif variant.startswith("flowcept"):
            from flowcept import Flowcept

            sub = Subscriber(ctx["redis_uri"])
            if variant == "flowcept":
                from flowcept.flowceptor.adapters.dask.dask_plugins import FlowceptDaskWorkerAdapter

                client.register_plugin(FlowceptDaskWorkerAdapter())
            else:
                client.register_plugin(patched_adapter_class()())
            fc = Flowcept("dask", dask_client=client, campaign_id=ctx["campaign"],
                          workflow_name=f"bench-{n}x{ms:g}ms").start()
        warm = ctx["warmup"]
        client.gather(client.map(work, range(warm), ms=ms, pure=False))  # imports, function shipped
        procs = psutil.Process().children(recursive=True)  # the workers and their nannies
        c0 = cpu_seconds(procs)
        t0 = time.perf_counter()
        futures = client.map(work, range(warm, warm + n), ms=ms, pure=False)
        results = client.gather(futures)
        out["seconds"] = time.perf_counter() - t0
        out["cpu_s"] = cpu_seconds(procs) - c0
        assert len(results) == n
        del futures, results
    finally:
        if fc is not None:
            fc.stop()
        client.close()
        cluster.close()
    if sub is not None:
        out["task_messages"], out["messages"] = sub.stop()
        out["task_messages_expected"] = 2 * (n + ctx["warmup"])  # RUNNING + FINISHED per task
    if variant.startswith("mida_stream_only"):  # count the task events in the side stream, then drop it
        import redis

        r = redis.Redis.from_url(ctx["redis_uri"])
        events = 0
        finished = set()
        lone = 0
        for _id, fields in r.xrange(ctx["side_stream"]):
            for ev in json.loads(fields[b"event"]):
                if ev.get("type") == "task":
                    events += 1
                    if ev.get("status") == "FINISHED" and "ended_at" in ev:
                        finished.add(ev["task_id"])
                        lone += "started_at" in ev  # its RUNNING was withdrawn: one worker event
        out["tasks_one_worker_event"] = lone
        r.delete(ctx["side_stream"])
        out["task_events"] = events
        # SUBMITTED (scheduler), RUNNING and FINISHED (worker); RUNNING withdrawn for a task that
        # ended within the linger: 2 to 3 per task
        out["task_events_max"] = 3 * (n + ctx["warmup"])
        out["tasks_finished"] = len(finished)
        out["tasks_expected"] = n + ctx["warmup"]
    if variant == "mida":
        srv: Server = ctx["server"]
        out["ingest_wait_s"] = round(srv.wait_ingested(), 2)
        rows = srv.cypher("MATCH (t:Task {workflow_id: $wf}) RETURN t.status AS status, count(*) AS n",
                          wf=out["workflow_id"])
        out["tasks_stored"] = {r["status"]: r["n"] for r in rows}
        out["tasks_expected"] = n + ctx["warmup"]
    return out


def dask_section(args, ctx: dict, variants: list) -> dict:
    workloads = [(args.tasks, 10.0), (args.tasks, 1.0)]
    result: dict = {}
    for n, ms in workloads:
        name = f"{n}x{ms:g}ms"
        runs: dict = {v: [] for v in variants}
        for rep in range(args.reps):
            order = variants[rep % len(variants):] + variants[:rep % len(variants)]
            for v in order:
                r = run_dask(v, n, ms, ctx)
                runs[v].append(r)
                extra = ""
                if v == "mida":
                    extra = f", stored {r['tasks_stored']} of {r['tasks_expected']}, ingest wait {r['ingest_wait_s']} s"
                elif v.startswith("mida_stream_only"):
                    extra = (f", side stream: {r['task_events']} task events (max {r['task_events_max']}), "
                             f"{r['tasks_finished']} of {r['tasks_expected']} tasks FINISHED, "
                             f"{r['tasks_one_worker_event']} with one worker event")
                elif "task_messages" in r:
                    extra = f", task messages {r['task_messages']} of {r['task_messages_expected']}"
                progress(f"{name} rep {rep + 1}/{args.reps} {v}: {r['seconds']:.3f} s{extra}")
        med = {v: statistics.median(r["seconds"] for r in runs[v]) for v in variants}
        w: dict = {
            "tasks": n, "task_ms": ms,
            "median_s": {v: round(med[v], 4) for v in variants},
            "seconds": {v: [round(r["seconds"], 4) for r in runs[v]] for v in variants},
            "cpu_ms_per_task_median": {
                v: round(1000 * statistics.median(r["cpu_s"] for r in runs[v]) / n, 3) for v in variants},
            "cpu_s": {v: [round(r["cpu_s"], 3) for r in runs[v]] for v in variants},
        }
        for v in variants:
            if v == "none":
                continue
            per_rep = []
            for rep in range(args.reps):
                base = runs["none"][rep]["seconds"]
                per_rep.append(100.0 * (runs[v][rep]["seconds"] - base) / base)
            w[f"overhead_pct_{v}"] = round(100.0 * (med[v] - med["none"]) / med["none"], 2)
            w[f"overhead_pct_{v}_per_rep"] = [round(x, 2) for x in per_rep]
        if "mida" in variants:
            w["mida_complete"] = all(
                r["tasks_stored"].get("FINISHED", 0) == r["tasks_expected"] and sum(r["tasks_stored"].values()) == r["tasks_expected"]
                for r in runs["mida"])
            w["mida_ingest_wait_s"] = [r["ingest_wait_s"] for r in runs["mida"]]
        for v in variants:
            if v.startswith("mida_stream_only"):
                w[f"{v}_task_events"] = [r["task_events"] for r in runs[v]]
                w[f"{v}_task_events_max"] = runs[v][0]["task_events_max"]
                w[f"{v}_complete"] = all(r["tasks_finished"] == r["tasks_expected"] for r in runs[v])
        for v in variants:
            if v.startswith("flowcept"):
                w[f"{v}_task_messages"] = [r["task_messages"] for r in runs[v]]
                w[f"{v}_task_messages_expected"] = runs[v][0]["task_messages_expected"]
        result[name] = w
        line = ", ".join(f"{v} {med[v]:.3f} s" for v in variants)
        ovh = ", ".join(f"{v} {w[f'overhead_pct_{v}']:+.2f} %" for v in variants if v != "none")
        progress(f"{name}: medians {line}; overhead {ovh}")
    return result


# ---------------------------------------------------------------------------- decorator cost


def bare(x, y=2):
    return x + y


def decorator_section(args, ctx: dict, flowcept_ok: bool) -> dict:
    import mida
    from mida.emitter import Emitter

    fns = {"bare": bare}
    fns["mida"] = mida.task(name="bench_fn")(bare)
    emitter = Emitter(redis_uri=ctx["redis_uri"], stream="mida:bench-decorator", spill_dir=ctx["spill_dir"])
    wf = mida.workflow(name="bench-decorator", campaign_id=ctx["campaign"], emitter=emitter)
    # the same decorator with linger 0 (RUNNING and FINISHED per call, as before issue 15), in a
    # nested workflow whose emitter is its own
    fns["mida_linger0"] = fns["mida"]
    emitter0 = Emitter(redis_uri=ctx["redis_uri"], stream="mida:bench-decorator0", spill_dir=ctx["spill_dir"],
                       linger_s=0)
    emitters = {"mida": emitter, "mida_linger0": emitter0}
    import contextlib

    def scope(v):
        if v == "mida_linger0":
            return mida.workflow(name="bench-decorator-linger0", campaign_id=ctx["campaign"], emitter=emitter0)
        return contextlib.nullcontext()
    fc = None
    if flowcept_ok:
        from flowcept import Flowcept, flowcept_task

        fns["flowcept"] = flowcept_task(bare)
        fc = Flowcept(workflow_name="bench-decorator", campaign_id=ctx["campaign"])
    variants = list(fns)
    per_call: dict = {v: [] for v in variants}
    cpu_per_call: dict = {v: [] for v in variants}
    n = args.calls
    with wf:
        if fc is not None:
            fc.start()
        try:
            for v in variants:  # warm-up
                f = fns[v]
                with scope(v):
                    for i in range(min(n, 2000)):
                        f(i)
            emitter.flush()
            emitter0.flush()
            for rep in range(args.decorator_reps):
                order = variants[rep % len(variants):] + variants[:rep % len(variants)]
                for v in order:
                    f = fns[v]
                    em = emitters.get(v)
                    with scope(v):
                        c0 = time.process_time()
                        t0 = time.perf_counter()
                        for i in range(n):
                            f(i)
                        per_call[v].append((time.perf_counter() - t0) / n * 1e6)
                        if em is not None:
                            em.flush(60)
                        # this process's CPU, every thread: the calls, and the flusher's encoding and
                        # sending of their events until the last one left
                        cpu_per_call[v].append((time.process_time() - c0) / n * 1e6)
        finally:
            if fc is not None:
                fc.stop()
    # telemetry on (every event carries telemetry_at_start/_end): the snapshot serialised once per
    # sample (default) vs once per event (as before issue 15), two emitters of their own, alternating
    import mida.telemetry

    mida.telemetry.start()
    # issue 15 (obs16): and the snapshot shared but telemetry_at_end always sent in full (as before
    # "=telemetry_at_start"), a third emitter
    # issue 15 (obs18): and the default emitter and SDK with obs18's paths off (the entry encoded event by
    # event, the task fields laid out and checked per task): what the default was before, a fourth emitter
    # issue 15 (obs19): and the default emitter with every start snapshot in full (no "=[k]"), a fifth
    tel = {"mida_telemetry": True, "mida_telemetry_per_event": False, "mida_telemetry_full_end": True,
           "mida_telemetry_before_obs18": True, "mida_telemetry_no_shared_start": True}
    tel_em = {}
    for v, share in tel.items():
        tel_em[v] = Emitter(redis_uri=ctx["redis_uri"], stream=f"mida:bench-{v}", spill_dir=ctx["spill_dir"],
                            compact_telemetry=v in ("mida_telemetry", "mida_telemetry_before_obs18",
                                                    "mida_telemetry_no_shared_start"))
        tel_em[v]._share_snapshots = share
        if hasattr(tel_em[v], "_shared_start"):
            tel_em[v]._shared_start = v not in ("mida_telemetry_before_obs18", "mida_telemetry_no_shared_start")
        if hasattr(tel_em[v], "_one_pass"):
            tel_em[v]._one_pass = v != "mida_telemetry_before_obs18"
    import mida.sdk as mida_sdk

    templates_default = getattr(mida_sdk, "_TEMPLATES", None)
    tel_bytes: dict = {}
    tel_wall: dict = {v: [] for v in tel}
    tel_cpu: dict = {v: [] for v in tel}
    try:
        for rep in range(args.decorator_reps + 1):  # the first round is a warm-up
            for v in list(tel)[rep % len(tel):] + list(tel)[:rep % len(tel)]:  # the order rotates
                em = tel_em[v]
                if templates_default is not None:
                    mida_sdk._TEMPLATES = templates_default and v != "mida_telemetry_before_obs18"
                with mida.workflow(name=f"bench-{v}", campaign_id=ctx["campaign"], emitter=em):
                    f = fns["mida"]
                    c0 = time.process_time()
                    t0 = time.perf_counter()
                    for i in range(n):
                        f(i)
                    wall = (time.perf_counter() - t0) / n * 1e6
                    em.flush(60)
                    cpu_us = (time.process_time() - c0) / n * 1e6
                if rep:
                    tel_wall[v].append(wall)
                    tel_cpu[v].append(cpu_us)
    finally:
        if templates_default is not None:
            mida_sdk._TEMPLATES = templates_default
        mida.telemetry.stop()
        for v, em in tel_em.items():
            em.close()
            r0 = __import__("redis").Redis.from_url(ctx["redis_uri"])
            # the bytes Redis holds per event (the entries' text; streams are trimmed by nobody here)
            size = sum(len(f[b"event"]) for _, f in r0.xrange(f"mida:bench-{v}"))
            tel_bytes[v] = round(size / max(1, em.stats()["flushed"]), 1)
            r0.delete(f"mida:bench-{v}")
    emitter.close()
    emitter0.close()
    st = emitter.stats()
    st0 = emitter0.stats()
    import redis

    r = redis.Redis.from_url(ctx["redis_uri"])
    in_stream = r.xlen("mida:bench-decorator")
    r.delete("mida:bench-decorator", "mida:bench-decorator0")
    med = {v: statistics.median(per_call[v]) for v in variants}
    cpu = {v: statistics.median(cpu_per_call[v]) for v in variants}
    keys = ("emitted", "flushed", "spilled", "dropped", "rejected", "coalesced")
    out = {
        "calls_per_rep": n, "reps": args.decorator_reps,
        "us_per_call_median": {v: round(med[v], 3) for v in variants},
        "us_per_call": {v: [round(x, 3) for x in per_call[v]] for v in variants},
        "added_us_per_call": {v: round(med[v] - med["bare"], 3) for v in variants if v != "bare"},
        "cpu_us_per_call_median": {v: round(cpu[v], 3) for v in variants},
        "cpu_us_per_call": {v: [round(x, 3) for x in cpu_per_call[v]] for v in variants},
        "mida_emitter": {k: st[k] for k in keys},
        "mida_linger0_emitter": {k: st0[k] for k in keys},
        "mida_stream_entries": in_stream,
        "telemetry": {
            "us_per_call_median": {v: round(statistics.median(x), 3) for v, x in tel_wall.items()},
            "cpu_us_per_call_median": {v: round(statistics.median(x), 3) for v, x in tel_cpu.items()},
            "us_per_call": {v: [round(y, 3) for y in x] for v, x in tel_wall.items()},
            "cpu_us_per_call": {v: [round(y, 3) for y in x] for v, x in tel_cpu.items()},
            "emitters": {v: {k: em.stats()[k] for k in keys} for v, em in tel_em.items()},
            "bytes_per_event": tel_bytes,
        },
    }
    progress("decorator with telemetry: " + ", ".join(
        f"{v} {statistics.median(tel_wall[v]):.2f} us/call (cpu {statistics.median(tel_cpu[v]):.2f},"
        f" {tel_bytes.get(v)} bytes/event)" for v in tel))
    progress("decorator: " + ", ".join(f"{v} {med[v]:.2f} us/call (cpu {cpu[v]:.2f})" for v in variants)
             + f"; MIDA emitted {st['emitted']} (coalesced {st['coalesced']}), flushed {st['flushed']}, "
               f"dropped {st['dropped']}; linger 0: emitted {st0['emitted']}, flushed {st0['flushed']}")
    return out


# ---------------------------------------------------------------------------- main


def main() -> int:
    p = argparse.ArgumentParser(prog="bench/run dask-overhead")
    p.add_argument("--quick", action="store_true", help="2,000 tasks per workload, 3 repetitions")
    p.add_argument("--tasks", type=int, help="tasks per workload (default 10,000; quick 2,000)")
    p.add_argument("--reps", type=int, help="repetitions of each Dask run (default 5; quick 3)")
    p.add_argument("--calls", type=int, help="decorated calls per repetition (default 50,000; quick 10,000)")
    p.add_argument("--decorator-reps", type=int, help="decorator repetitions (default 7; quick 5)")
    p.add_argument("--no-stream-only", action="store_true",
                   help="skip the MIDA variant whose events go to a stream the server does not ingest")
    p.add_argument("--no-flowcept", action="store_true", help="skip the Flowcept variants")
    p.add_argument("--decorator-only", action="store_true",
                   help="only the decorator section (no Dask runs)")
    p.add_argument("--no-linger0", action="store_true",
                   help="skip mida_stream_only_linger0 (the observer with linger 0: 3 events per task)")
    args = p.parse_args()
    args.tasks = args.tasks or (2000 if args.quick else 10000)
    args.reps = args.reps or (3 if args.quick else 5)
    args.calls = args.calls or (10000 if args.quick else 50000)
    args.decorator_reps = args.decorator_reps or (5 if args.quick else 7)

    import dask
    import distributed

    tmp = Path(tempfile.mkdtemp(prefix="mida-bench-dask-"))
    result: dict = {
        "benchmark": "dask-overhead", "quick": args.quick,
        "python": platform.python_version(), "executable": sys.executable,
        "dask": dask.__version__, "distributed": distributed.__version__,
        "cpus": os.cpu_count(), "cluster": "LocalCluster(processes=True, n_workers=2, threads_per_worker=1)",
        "tasks": args.tasks, "reps": args.reps,
    }
    t_start = time.monotonic()
    progress(f"python {sys.executable} ({platform.python_version()}), dask {dask.__version__}, "
             f"{os.cpu_count()} CPUs; temp dir {tmp}")
    server = None
    try:
        server = Server(tmp)
        progress(f"MIDA server up in {server.start_s:.1f} s, Redis {server.redis_uri}")
        result["server_start_s"] = round(server.start_s, 1)
        ctx = {"server": server, "redis_uri": server.redis_uri, "campaign": f"bench-{uuid.uuid4().hex[:8]}",
               "spill_dir": str(tmp / "spill"), "warmup": 100, "side_stream": f"bench:side-{uuid.uuid4().hex[:8]}"}

        variants = ["none", "mida"] + ([] if args.no_stream_only else ["mida_stream_only"])
        if not args.no_stream_only and not args.no_linger0:
            variants.append("mida_stream_only_linger0")
        flowcept_ok = False
        if not args.no_flowcept:
            settings = tmp / "flowcept-settings.yaml"
            flowcept_settings(settings, server.redis_port, server.redis_password)
            os.environ["FLOWCEPT_SETTINGS_PATH"] = str(settings)  # inherited by the Dask workers
            try:
                import flowcept

                result["flowcept"] = flowcept.__version__
                flowcept_ok = True
                problem = flowcept_incompatibility()
                if problem is None:
                    variants.append("flowcept")
                else:
                    result["flowcept_error"] = (
                        f"Flowcept {flowcept.__version__}'s Dask worker plugin fails on every task with "
                        f"dask {dask.__version__}: dask_interceptor.get_run_spec_data indexes ts.run_spec "
                        f"as a (func, args, kwargs) tuple, but it is a dask._task_spec.Task ({problem}); "
                        f"it logs the error and sends no task message. Measured instead: 'flowcept_patched' "
                        f"= the same plugin with only that function adapted")
                    progress("Flowcept: " + result["flowcept_error"])
                    # show it for real: a short run with the unmodified plugin
                    probe = run_dask("flowcept", 50, 1.0, dict(ctx, warmup=10))
                    result["flowcept_unmodified_probe"] = {
                        k: probe[k] for k in ("task_messages", "task_messages_expected", "messages")}
                    progress(f"unmodified Flowcept plugin, 60 tasks: {probe['task_messages']} task messages "
                             f"of {probe['task_messages_expected']} expected")
                    variants.append("flowcept_patched")
            except ImportError as e:
                result["flowcept_error"] = f"flowcept is not installed in {sys.executable}: {e}"
                progress(result["flowcept_error"])
        result["variants"] = variants

        targets = {}
        if not args.decorator_only:
            # the server plans its ingest statements on the first batches (seconds of CPU on a cold
            # JVM): one untimed MIDA run first, so that this does not land in the first measured rep
            w = run_dask("mida", 300, 1.0, ctx)
            progress(f"warm-up MIDA run: {w['seconds']:.2f} s, stored {w['tasks_stored']}, "
                     f"ingest wait {w['ingest_wait_s']} s")

            result["workloads"] = dask_section(args, ctx, variants)
            fv = next((v for v in variants if v.startswith("flowcept")), None)
            w10, w1 = result["workloads"][f"{args.tasks}x10ms"], result["workloads"][f"{args.tasks}x1ms"]
            targets["mida_10ms_overhead_le_2pct"] = w10["overhead_pct_mida"] <= 2.0
            if "mida_stream_only" in variants:
                targets["mida_stream_only_10ms_overhead_le_2pct"] = w10["overhead_pct_mida_stream_only"] <= 2.0
            if fv:
                targets[f"mida_below_{fv}_10ms"] = w10["overhead_pct_mida"] < w10[f"overhead_pct_{fv}"]
                targets[f"mida_below_{fv}_1ms"] = w1["overhead_pct_mida"] < w1[f"overhead_pct_{fv}"]

        result["decorator"] = decorator_section(args, ctx, flowcept_ok)
        d = result["decorator"]
        targets["mida_task_added_le_20us"] = d["added_us_per_call"]["mida"] <= 20.0
        if "flowcept" in d["added_us_per_call"]:
            targets["mida_task_below_flowcept_task"] = d["added_us_per_call"]["mida"] < d["added_us_per_call"]["flowcept"]
        result["targets_met"] = targets
    except Exception as e:
        traceback.print_exc()
        result["error"] = f"{type(e).__name__}: {e}"
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    result["wall_s"] = round(time.monotonic() - t_start, 1)
    print(json.dumps(result), flush=True)
    return 1 if "error" in result else 0


if __name__ == "__main__":
    sys.exit(main())
