"""mida.telemetry: a background sampler with the Java side's field names, read by the SDK's tasks."""

from __future__ import annotations

import urllib.parse

import pytest

import mida
from mida.emitter import Emitter

pytest.importorskip("psutil")


@pytest.fixture
def telemetry():
    import mida.telemetry as t

    sampler = t.start(interval_s=0.05)
    yield t
    t.stop()
    assert sampler is not None


def test_a_snapshot_has_the_java_field_names(telemetry):
    snap = telemetry.latest()
    assert {"memory", "process", "sampled_at"} <= set(snap)
    assert set(snap["memory"]) == {
        "total",
        "available",
        "used",
        "percent",
        "swap_total",
        "swap_used",
        "swap_percent",
    }
    assert set(snap["process"]) >= {"pid", "rss", "cpu_percent", "cpu_time_s", "threads"}
    assert set(snap["cpu"]) == {"percent", "per_core"}
    if "disk" in snap:
        assert set(snap["disk"]) == {"read_bytes", "write_bytes", "read_count", "write_count"}
    info = telemetry.machine_info()
    assert info["hostname"] and info["cpus"]["logical"] >= 1


def test_tasks_carry_telemetry_at_start_and_end(server, tmp_path, telemetry):
    em = Emitter(redis_uri=server.redis_uri, stream=server.stream, spill_dir=str(tmp_path))
    try:
        with mida.workflow(name="telemetry", emitter=em):
            with mida.Task("measured") as t:
                sum(range(10_000))
        assert em.flush(30)
    finally:
        em.close()
    server.wait_ingested()
    status, doc = server.get("/api/tasks?id=" + urllib.parse.quote(t.task_id, safe=""))
    assert status == 200, doc
    for key in ("telemetry_at_start", "telemetry_at_end"):
        assert doc[key]["process"]["pid"] > 0 and doc[key]["memory"]["total"] > 0
