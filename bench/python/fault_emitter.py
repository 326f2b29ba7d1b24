"""Sends fault-workload task events through the Python emitter (observers/python) at a steady rate.

Run by ``bench/run faults`` (FaultsBench, class ``redis_kill9``) while the server's redis-server is
killed: ``MIDA_REDIS_URI`` names the Redis (with its password), arguments the rest. Each task gets a
RUNNING event (``used.input``, ``custom_metadata.p0``) and, 50 tasks later, a FINISHED one
(``generated.out``, ``custom_metadata.p1``): the same events as FaultWorkload.event in the Java bench, so
FaultsBench counts what reached the graph the same way. The last stdout line is one JSON object:
``{"tasks": N, "stats": {...the emitter's counters...}}`` (all events of tasks 0..N-1 were emitted).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time

from mida.emitter import Emitter

LAG = 50


def event(prefix: str, i: int, phase: int) -> dict:
    started = 1.75e9 + i * 0.001
    ev: dict = {
        "type": "task",
        "task_id": f"{prefix}/t-{i}",
        "workflow_id": f"{prefix}/wf-{i // 10000}",
        "campaign_id": prefix,
        "activity_id": "fault",
    }
    entities = f"file:///fault/{prefix}/"
    if phase == 0:
        ev.update(
            status="RUNNING",
            started_at=started,
            used={"input": {"@id": f"{entities}in-{i}", "@type": "dataset"}},
        )
    else:
        ev.update(
            status="FINISHED",
            started_at=started,
            ended_at=started + 1,
            generated={"out": {"@id": f"{entities}out-{i}", "@type": "dataset"}},
        )
    ev["custom_metadata"] = {f"p{phase}": i}
    return ev


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--prefix", required=True)
    p.add_argument("--rate", type=float, default=500, help="events per second")
    p.add_argument("--seconds", type=float, default=30)
    p.add_argument("--spill-dir", required=True)
    a = p.parse_args()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    em = Emitter(spill_dir=a.spill_dir)  # the Redis URI from MIDA_REDIS_URI
    t0 = time.monotonic()
    end = t0 + a.seconds
    i = 0
    while time.monotonic() < end:
        em.emit(event(a.prefix, i, 0))
        if i >= LAG:
            em.emit(event(a.prefix, i - LAG, 1))
        i += 1
        wait = t0 + 2 * i / a.rate - time.monotonic()
        if wait > 0:
            time.sleep(wait)
    for k in range(max(0, i - LAG), i):
        em.emit(event(a.prefix, k, 1))
    em.flush(60)
    em.close(120)  # sends what is left, replays spill files once Redis is back (or spills)
    print(json.dumps({"tasks": i, "stats": em.stats()}), flush=True)


if __name__ == "__main__":
    main()
