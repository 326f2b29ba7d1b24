"""The Python GPU telemetry path on a machine with NVIDIA GPUs (see bench/gpu/README.md): the
sampler's gpu list (NVML via nvidia-ml-py), the cost of one NVML query, and, given a Redis URI, 20
calls of a @mida.task in one workflow whose stream entries are read back and decoded with mida.wire
(the server's rules: "=[k]" starts and "=telemetry_at_start" ends resolved): every task must carry a
gpu list in its resolved start and end telemetry. Prints one key=value line per figure."""

import json
import statistics
import sys
import time

import mida
import mida.telemetry as tel

redis_uri = sys.argv[1] if len(sys.argv) > 1 else "none"
t0 = time.monotonic()
s = tel.start()
gpu = None
while time.monotonic() - t0 < 12:
    gpu = tel.latest().get("gpu")
    if gpu:
        break
    time.sleep(0.1)
print("python.snapshot.gpu=" + json.dumps(gpu))
print("python.snapshot.seconds_to_gpu=%.3f" % (time.monotonic() - t0))
print("python.machine_info=" + json.dumps(s.machine_info()))
if s._nvml is not None:
    us = []
    for _ in range(200):
        a = time.perf_counter()
        s._query_gpus()
        us.append((time.perf_counter() - a) * 1e6)
    print("python.nvml_query_us.median=%.1f p99=%.1f" % (statistics.median(us), sorted(us)[197]))
else:
    print("python.nvml=unavailable")

GPU_KEYS = (
    "index",
    "name",
    "utilization_percent",
    "memory_utilization_percent",
    "memory_used_mib",
    "memory_total_mib",
    "temperature_c",
    "power_w",
)
TASKS = 20


def gpu_problem(telemetry):
    """Why a resolved telemetry map's gpu list is not a non-empty list of GPU_KEYS dicts, or None."""
    if not telemetry:
        return "no telemetry"
    gpu = telemetry.get("gpu")
    if not isinstance(gpu, list):
        return "no gpu" if gpu is None else "gpu not a list: %r" % (gpu,)
    if not gpu:
        return "gpu empty"
    for g in gpu:
        if not isinstance(g, dict):
            return "gpu element not an object: %r" % (g,)
        missing = [k for k in GPU_KEYS if g.get(k) is None]
        if missing:
            return "gpu missing %s" % missing
    return None


def decode_and_check(texts, workflow_id, expected_tasks):
    """Decodes every entry with mida.wire (the server's rules, "=[k]" resolved), counts the raw compact
    forms, and checks that every task of the workflow resolves to start and end telemetry with gpu."""
    from mida import wire

    decoded = refused = elements = max_per_entry = 0
    start_marker = start_full = end_same = end_full = 0
    task_events = starts = starts_ok = ends = ends_ok = 0
    tasks = {}  # task id -> [start gpu ok, end gpu ok]
    problems = {}
    sample = None
    for text in texts:
        raw = json.loads(text)
        items = raw if isinstance(raw, list) else [raw]
        elements += len(items)
        max_per_entry = max(max_per_entry, len(items))
        for m in items:
            if not isinstance(m, dict) or m.get("type") != "task":
                continue
            st, en = m.get("telemetry_at_start"), m.get("telemetry_at_end")
            if isinstance(st, str) and st.startswith("=["):
                start_marker += 1
            elif isinstance(st, dict):
                start_full += 1
            if en == wire.TELEMETRY_SAME_AS_START:
                end_same += 1
            elif isinstance(en, dict):
                end_full += 1
        events, rejected = wire.decode(text)
        decoded += len(events)
        refused += len(rejected)
        for _i, why in rejected:
            print("python.stream.refused: " + why)
        for ev in events:
            if ev.get("type") != "task" or ev.get("workflow_id") != workflow_id:
                continue
            task_events += 1
            ok = tasks.setdefault(ev["task_id"], [False, False])
            if ev.get("telemetry_at_start") is not None:
                starts += 1
                p = gpu_problem(ev["telemetry_at_start"])
                if p is None:
                    starts_ok += 1
                    ok[0] = True
                    sample = sample or ev["telemetry_at_start"]["gpu"]
                else:
                    problems["start: " + p] = problems.get("start: " + p, 0) + 1
            if ev.get("telemetry_at_end") is not None:
                ends += 1
                p = gpu_problem(ev["telemetry_at_end"])
                if p is None:
                    ends_ok += 1
                    ok[1] = True
                else:
                    problems["end: " + p] = problems.get("end: " + p, 0) + 1
    both = sum(1 for a, b in tasks.values() if a and b)
    print("python.stream.elements=%d max_per_entry=%d" % (elements, max_per_entry))
    print("python.stream.events_decoded=%d" % decoded)
    print("python.stream.refused=%d" % refused)
    print("python.stream.raw.telemetry_at_start.marker_k=%d full=%d" % (start_marker, start_full))
    print("python.stream.raw.telemetry_at_end.same_as_start=%d full=%d" % (end_same, end_full))
    print("python.stream.task_events=%d tasks=%d expected=%d" % (task_events, len(tasks), expected_tasks))
    print("python.stream.resolved.start_gpu_ok=%d/%d" % (starts_ok, starts))
    print("python.stream.resolved.end_gpu_ok=%d/%d" % (ends_ok, ends))
    print("python.stream.tasks_with_start_and_end_gpu=%d/%d" % (both, len(tasks)))
    for p in sorted(problems):
        print("python.stream.problem: %s x%d" % (p, problems[p]))
    if sample is not None:
        print("python.stream.resolved.gpu=" + json.dumps(sample))
    ok_all = (
        refused == 0
        and len(tasks) == expected_tasks
        and both == expected_tasks
        and starts_ok == starts
        and ends_ok == ends
    )
    print("python.stream.all_tasks_have_gpu=%s" % str(ok_all).lower())


if redis_uri != "none":
    import os

    os.environ["MIDA_REDIS_URI"] = redis_uri
    os.environ["MIDA_TELEMETRY"] = "1"
    import redis

    r = redis.Redis.from_url(redis_uri, decode_responses=True)
    last = r.xrevrange("mida:events", count=1)
    before = last[0][0] if last else None

    # calls in quick succession, so that stream entries carry several events and the wire's compact
    # telemetry forms occur ("=[k]" starts, "=telemetry_at_start" ends); one outlives a sampling period
    @mida.task
    def python_gpu_task(n, wait=0.0):
        time.sleep(wait)
        return sum(i * i for i in range(n))

    with mida.workflow(name="gpu-check-python", campaign_id="gpu-check") as wf:
        for t in range(TASKS):
            python_gpu_task(20_000 + 10_000 * (t % 5), wait=1.5 if t == TASKS // 2 else 0.0)
    import mida.emitter

    mida.emitter.get_default().flush()  # events leave on the emitter's thread

    def newer(entry_id):
        if before is None:
            return True
        a, b = (tuple(int(x) for x in i.split("-")) for i in (entry_id, before))
        return a > b

    entries = [f.get("event", "") for i, f in r.xrange("mida:events", count=100_000) if newer(i)]
    print("python.stream.entries=%d" % len(entries))
    decode_and_check(entries, wf.workflow_id, TASKS)
