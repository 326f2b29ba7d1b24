"""Issue 15 (obs19): the Python flusher's ``_prepare`` with and without ``"=[k]"`` for a start snapshot an
earlier event of the entry carries, alternated in one process: 500 FINISHED events sharing one
sampler-sized Snapshot, 10 warm-up + 50 measured rounds of 4 prepares each; CPU per event and bytes per event.

    PYTHONPATH=observers/python/src nice -n 19 /work/main/.venv/mida-ci/bin/python bench/python/prepare_shared_start.py
"""
import tempfile
import time, statistics
from mida.emitter import Emitter
from mida.telemetry import Snapshot
from mida import wire
snap = Snapshot({"cpu": {"percent": 12.5, "per_cpu": [10.0, 15.0, 9.5, 30.0]}, "memory": {"total": 17179869184, "used": 8589934592, "percent": 50.0},
                 "disk": {"read_bytes": 1, "write_bytes": 2, "read_count": 3, "write_count": 4}, "network": {"bytes_sent": 5, "bytes_recv": 6, "packets_sent": 7, "packets_recv": 8},
                 "process": {"cpu_percent": 1.5, "memory_rss": 123456789, "num_threads": 12}, "sampled_at": 1795000000.25})
def batch():
    out=[]
    for i in range(500):
        ev = wire.Canonical({"type":"task","task_id":f"t-{i}","workflow_id":"wf","activity_id":"f","status":"FINISHED",
            "started_at":1795000000.5+i,"ended_at":1795000000.501+i,"used":{"x":i},"generated":{"y":i},"hostname":"h",
            "telemetry_at_start":snap,"telemetry_at_end":snap})
        out.append(ev)
    return out
ems={}
for v in (True, False):
    em=Emitter(redis_uri="redis://127.0.0.1:1", spill_dir=tempfile.mkdtemp(), linger_s=0)
    em._shared_start=v
    ems[v]=em
b=batch()
res={True:[],False:[]}; size={}
for r in range(60):
    for v in ((True,False) if r%2 else (False,True)):
        c0=time.process_time()
        for _ in range(4):
            entries,count=ems[v]._prepare(b)
        c=(time.process_time()-c0)/(4*500)*1e6
        if r>=10: res[v].append(c)
        size[v]=sum(len(e) for e in entries)/500
for v in (True,False):
    print("shared_start" if v else "no_shared_start", "CPU us/event median %.2f"%statistics.median(res[v]), "bytes/event %.0f"%size[v])
for em in ems.values(): em.close(timeout_s=0)
