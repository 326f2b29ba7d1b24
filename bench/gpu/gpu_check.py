"""The Python GPU telemetry path on a machine with NVIDIA GPUs (see bench/gpu/README.md): the
sampler's gpu list (NVML via nvidia-ml-py), the cost of one NVML query, and, given a Redis URI, a
@mida.task whose event in the stream carries the gpu list."""

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

if redis_uri != "none":
    import os

    os.environ["MIDA_REDIS_URI"] = redis_uri
    os.environ["MIDA_TELEMETRY"] = "1"

    @mida.task
    def python_gpu_task(n):
        return sum(i * i for i in range(n))

    with mida.workflow(name="gpu-check-python", campaign_id="gpu-check"):
        python_gpu_task(2_000_000)
    import mida.emitter

    mida.emitter.get_default().flush()  # events leave on the emitter's thread
    import redis

    r = redis.Redis.from_url(redis_uri, decode_responses=True)
    found = None
    entries = r.xrange("mida:events", count=1000)
    print("python.stream.entries=%d" % len(entries))
    for _id, f in entries:
        ev = f.get("event", "")
        if "python_gpu_task" in ev and "telemetry_at_end" in ev:
            found = ev
    print("python.stream.task_event_with_gpu=%s" % (found is not None and '"gpu"' in found))
    if found and '"gpu"' in found:
        i = found.rindex('"gpu"')
        print("python.stream.task_event.gpu=" + found[i : i + 260])
