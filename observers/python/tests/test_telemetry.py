"""mida.telemetry: a background sampler with the Java side's field names, read by the SDK's tasks."""

from __future__ import annotations

import os
import time
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


def test_the_first_snapshot_leaves_out_the_loads_it_cannot_know_yet():
    # a load is a difference of two samples: psutil's answer over the microseconds between the baseline
    # and the first snapshot was 0 %, which every task of the first interval then carried as its CPU load
    from mida.telemetry import Sampler

    sampler = Sampler(interval_s=600).start()
    try:
        first = sampler.latest()
        assert {"memory", "process", "sampled_at"} <= set(first)
        assert "cpu" not in first
        assert "cpu_percent" not in first["process"]
        assert {"pid", "rss", "cpu_time_s"} <= set(first["process"])
        time.sleep(0.2)
        sampler._sample_safely()  # the sampler thread's next tick
        second = sampler.latest()
        assert len(second["cpu"]["per_core"]) == os.cpu_count()
        assert "cpu_percent" in second["process"]
    finally:
        sampler.close()


def test_the_sampler_threads_first_load_is_measured_over_its_interval():
    # psutil keeps the host's CPU baseline per calling thread: a baseline taken by the thread that started
    # the sampler left the sampler thread's first sample measured over microseconds, and the second snapshot
    # (the first with loads) said 0 % while a busy thread ran (seen at load 10 on a 2-core machine)
    from mida.telemetry import Sampler

    stop = time.monotonic() + 3.0

    def spin():
        x = 0
        while time.monotonic() < stop:
            x += 1

    import threading

    busy = threading.Thread(target=spin, daemon=True)
    busy.start()
    sampler = Sampler(interval_s=0.5).start()
    try:
        first = sampler.latest()
        deadline = time.monotonic() + 2.5
        while sampler.latest() is first and time.monotonic() < deadline:
            time.sleep(0.02)
        second = sampler.latest()
        assert second is not first, "no second snapshot within 2.5 s"
        # a thread spinning for the whole interval keeps at least one core's share busy
        assert second["cpu"]["percent"] > 0.0, second["cpu"]
    finally:
        sampler.close()
        busy.join()


def test_a_snapshot_has_the_java_field_names(telemetry):
    deadline = time.monotonic() + 10
    while "cpu" not in telemetry.latest() and time.monotonic() < deadline:
        time.sleep(0.02)  # the loads come with the second sample
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


class _Nvml:
    """The NVML calls the sampler makes, answering like an idle H100 on a 580 driver (bench/gpu/README.md
    ran the real one): v1's ``used`` counts the driver's reserved memory, v2's does not."""

    NVML_TEMPERATURE_GPU = 0
    nvmlMemory_v2 = 0x02000028

    def __init__(self, v2=True):
        self.v2 = v2

    def nvmlDeviceGetCount(self):
        return 1

    def nvmlDeviceGetHandleByIndex(self, i):
        return i

    def nvmlDeviceGetName(self, h):
        return b"NVIDIA H100 80GB HBM3"

    def nvmlDeviceGetUtilizationRates(self, h):
        return type("U", (), {"gpu": 3, "memory": 1})()

    def nvmlDeviceGetMemoryInfo(self, h, version=None):
        mib = 1 << 20
        if version is None:
            return type("M1", (), {"total": 81559 * mib, "used": 480 * mib})()
        if not self.v2:
            raise RuntimeError("NVML_ERROR_FUNCTION_NOT_FOUND")
        return type("M2", (), {"total": 81559 * mib, "used": 0, "reserved": 480 * mib})()

    def nvmlDeviceGetTemperature(self, h, sensor):
        return 34

    def nvmlDeviceGetPowerUsage(self, h):
        raise RuntimeError("NVML_ERROR_NOT_SUPPORTED")


def test_gpu_memory_used_is_what_nvidia_smi_shows_and_unsupported_fields_are_left_out():
    import mida.telemetry as t

    s = t.Sampler()
    s._nvml = _Nvml()
    (g,) = s._query_gpus()
    assert g == {
        "index": 0,
        "name": "NVIDIA H100 80GB HBM3",
        "utilization_percent": 3,
        "memory_utilization_percent": 1,
        "memory_used_mib": 0,  # not the 480 MiB the driver reserves (NVML v1)
        "memory_total_mib": 81559,
        "temperature_c": 34,
    }
    s._nvml = _Nvml(v2=False)  # older driver: v1 rather than nothing
    (g,) = s._query_gpus()
    assert g["memory_used_mib"] == 480 and g["memory_total_mib"] == 81559
