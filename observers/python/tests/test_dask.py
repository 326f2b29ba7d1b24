"""MidaDask on a LocalCluster with worker processes, against the real server: the paper's Listing 2."""

from __future__ import annotations

import sys
import uuid

import pytest

distributed = pytest.importorskip("distributed")
# the imports below need Dask: skipped above when it is not installed

from dask.distributed import Client, LocalCluster

import mida
from mida.client import Client as Mida
from mida.client import NotFound
from mida.dask import MidaDask, entity_id, task_id

N = 1000  # the paper's Listing 2: client.map(incr, range(1000)), then a second map over its futures


def incr(n):
    return n + 1


def double(x):
    return 2 * x


def boom(x, reason="bad input"):
    raise ValueError(f"{reason}: {x}")


def ones(n):
    import numpy as np

    return np.ones((n, 3), dtype="float32")


def total(a):
    return float(a.sum())


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as c:
        yield c


@pytest.fixture(scope="module")
def api(server):
    with Mida(server.url) as c:
        yield c


def listing_2(cluster, server, campaign, n=N):
    """Listing 2 with its import and registration lines swapped for ours, plus a map over its futures."""
    client = Client(cluster)
    plugin = MidaDask(campaign_id=campaign, workflow_name="incr", redis_uri=server.redis_uri)
    client.register_plugin(plugin)
    futures = client.map(incr, range(n))
    doubled = client.map(double, futures)
    results = client.gather(doubled)
    keys = [f.key for f in futures], [f.key for f in doubled]
    client.close()
    assert results == [2 * (i + 1) for i in range(n)]
    return plugin.workflow_id, keys


def counts(api, workflow_id):
    rows = api.query(
        aggregation=[("count", "*")], group_by=["activity_id", "status"], filter={"workflow_id": workflow_id}
    )
    return {(r["activity_id"], r["status"]): r["count(*)"] for r in rows}


def finished(api, workflow_id):
    try:
        return api.workflow(workflow_id).get("status") == "FINISHED"
    except NotFound:  # not ingested yet
        return False


def wait_finished(server, api, workflow_id, expected):
    server.wait_for(f"{workflow_id}: {expected}", lambda: counts(api, workflow_id) == expected, timeout=60)
    server.wait_for("the workflow to finish", lambda: finished(api, workflow_id), timeout=30)
    # the server's coalescing linger (MIDA_INGEST_LINGER_MS) may still hold a task's non-final event (the
    # scheduler's SUBMITTED, with `dependencies`) after its FINISHED is visible: wait until nothing is pending
    server.wait_ingested()


def test_the_package_exports_the_plugin():
    assert mida.MidaDask is MidaDask


def test_listing_2_records_every_task_with_used_generated_and_lineage(cluster, server, api):
    campaign = f"camp-dask-{uuid.uuid4().hex[:8]}"
    wf, (incr_keys, double_keys) = listing_2(cluster, server, campaign)
    wait_finished(server, api, wf, {("incr", "FINISHED"): N, ("double", "FINISHED"): N})

    rows = api.query(
        projection=[
            "used.n",
            "generated.result",
            "submitted_at",
            "started_at",
            "ended_at",
            "hostname",
            "node_name",
            "campaign_id",
        ],
        filter={"workflow_id": wf, "activity_id": "incr"},
        limit=1000,
    )
    assert sorted(r["used.n"] for r in rows) == list(range(N))
    for r in rows:
        assert r["generated.result"] == r["used.n"] + 1
        assert r["submitted_at"] <= r["started_at"] <= r["ended_at"]
        assert r["hostname"] and r["node_name"] and r["campaign_id"] == campaign

    # the second map used the first map's results: entities, named by the parameter
    i = 7
    consumer, producer = task_id(wf, double_keys[i]), task_id(wf, incr_keys[i])
    t = api.task(consumer)
    assert t["status"] == "FINISHED"
    assert t["used"]["x"] == {"@id": entity_id(wf, incr_keys[i]), "@type": "dask.result", "value": i + 1}
    assert t["generated"] == {"result": 2 * (i + 1)}
    assert t["dependencies"] == [producer]
    assert api.task(producer)["generated"] == {
        "result": i + 1,
        "dask_output": {"@id": entity_id(wf, incr_keys[i]), "@type": "dask.result"},
    }

    up = api.lineage(consumer, direction="upstream", depth=2)
    name = {n["id"]: n.get("entity_id") or n["id"] for n in up["nodes"]}  # a version as its entity
    edges = {(name[e["source"]], e["type"], name[e["target"]]) for e in up["edges"]}
    assert {
        (consumer, "used", entity_id(wf, incr_keys[i])),
        (entity_id(wf, incr_keys[i]), "wasGeneratedBy", producer),
        (consumer, "wasInformedBy", producer),
    } <= edges

    w = api.workflow(wf)
    assert w["name"] == "incr" and w["campaign_id"] == campaign and w["task_count"] == 2 * N
    assert w["custom_metadata"]["n_workers"] == 2
    assert w["machine_info"]


def test_a_raising_task_is_an_error_with_its_traceback_and_its_dependent_never_runs(cluster, server, api):
    client = Client(cluster)
    plugin = MidaDask(workflow_name="errors", redis_uri=server.redis_uri)
    client.register_plugin(plugin)
    bad = client.submit(boom, 3, reason="too hot")
    after = client.submit(incr, bad)
    with pytest.raises(ValueError, match="too hot"):
        after.result()
    arr = client.submit(ones, 4)
    s = client.submit(total, arr)
    assert s.result() == 12.0
    wf, keys = plugin.workflow_id, (bad.key, after.key, arr.key, s.key)
    client.close()

    wait_finished(
        server,
        api,
        wf,
        {("boom", "ERROR"): 1, ("incr", "ERROR"): 1, ("ones", "FINISHED"): 1, ("total", "FINISHED"): 1},
    )
    t = api.task(task_id(wf, keys[0]))
    assert t["used"] == {"x": 3, "reason": "too hot"}
    assert "Traceback" in t["stderr"] and "boom" in t["stderr"] and "too hot" in t["stderr"]
    assert t["ended_at"] >= t["started_at"]
    dependent = api.task(task_id(wf, keys[1]))
    assert keys[0] in dependent["stderr"] and dependent["dependencies"] == [task_id(wf, keys[0])]

    # a numpy array is summarised, in generated and in the entity the next task used
    produced = api.task(task_id(wf, keys[2]))["generated"]["result"]
    assert produced == {"type": "numpy.ndarray", "shape": [4, 3], "dtype": "float32", "size": 12}
    used = api.task(task_id(wf, keys[3]))["used"]["a"]
    assert used["@id"] == entity_id(wf, keys[2])
    assert used["shape"] == [4, 3] and used["dtype"] == "float32"


def test_the_same_computation_twice_gives_two_runs_side_by_side(cluster, server, api):
    campaign = f"camp-dask-twice-{uuid.uuid4().hex[:8]}"
    n = N
    expected = {("incr", "FINISHED"): n, ("double", "FINISHED"): n}
    first, keys1 = listing_2(cluster, server, campaign, n)
    wait_finished(server, api, first, expected)
    before = api.task(task_id(first, keys1[1][0]))
    second, keys2 = listing_2(cluster, server, campaign, n)
    assert keys1[0] == keys2[0] and first != second  # Dask's keys are deterministic; the runs are not
    wait_finished(server, api, second, expected)
    assert {w["workflow_id"] for w in api.workflows(campaign_id=campaign)} == {first, second}
    assert api.workflow(first)["task_count"] == api.workflow(second)["task_count"] == 2 * n  # 4,000 tasks
    assert api.task(task_id(first, keys1[0][0]))["workflow_id"] == first
    assert api.task(task_id(second, keys1[0][0]))["workflow_id"] == second
    # the second run left the first untouched: same task, same times, same lineage
    assert api.task(task_id(first, keys1[1][0])) == before


def add(a, b=0):
    return a + b


def test_delayed_and_array_graphs_link_their_tasks_through_entities(cluster, server, api):
    import dask
    import dask.array as da

    client = Client(cluster)
    plugin = MidaDask(workflow_name="graphs", redis_uri=server.redis_uri)
    client.register_plugin(plugin)
    first = dask.delayed(incr)(1)
    out = dask.delayed(add)(first, b=first)
    assert out.compute() == 4
    assert da.ones((4,), chunks=2).sum().compute() == 4.0
    wf = plugin.workflow_id
    client.close()

    def done():
        c = counts(api, wf)
        return (
            c.get(("add", "FINISHED")) == 1
            and c.get(("sum", "FINISHED")) == 2
            and all(status == "FINISHED" for _, status in c)
        )

    server.wait_for("every task to finish", done)

    t = api.task(task_id(wf, out.key))
    producer = entity_id(wf, first.key)
    assert t["used"] == {
        "a": {"@id": producer, "@type": "dask.result", "value": 2},
        "b": {"@id": producer, "@type": "dask.result", "value": 2},
    }
    assert t["generated"] == {"result": 4}

    # the array's chunks feed its aggregate: every FINISHED task, and lineage from the last one up.
    # "done" above sees the delayed tasks and the chunks; the aggregate's events may still be on their
    # way (each half flushes on its own), so wait for the whole graph, and say what was seen if not.
    seen: list = []

    def array_graph():
        tasks = api.query(
            projection=["task_id", "activity_id", "status", "dependencies"],
            filter={"workflow_id": wf, "activity_id": {"$ne": "incr"}},
            limit=100,
        )
        array_tasks = [r for r in tasks if r["activity_id"] != "add"]
        consumed = {d for r in array_tasks for d in (r["dependencies"] or [])}
        last = [r["task_id"] for r in array_tasks if r["task_id"] not in consumed]
        seen[:] = [(r["activity_id"], r["status"], r["dependencies"]) for r in array_tasks]
        complete = tasks and all(r["status"] == "FINISHED" for r in tasks) and len(last) == 1
        return (tasks, last) if complete else None

    try:
        tasks, last = server.wait_for("the array's aggregate and its dependencies", array_graph)
    except AssertionError as e:
        raise AssertionError(f"{e}; array tasks seen: {seen}") from None
    up = api.lineage(last[0], direction="upstream", depth=10)
    chunks = [r["task_id"] for r in tasks if r["activity_id"] == "sum"]
    assert len(chunks) == 2
    reached = {n["id"] for n in up["nodes"]}
    assert set(chunks) <= reached
    assert any(n["kind"] == "entity" for n in up["nodes"])


def test_listing_2_verbatim_with_the_settings_from_the_environment(server, api, monkeypatch):
    campaign = f"camp-verbatim-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("MIDA_REDIS_URI", server.redis_uri)
    monkeypatch.setenv("MIDA_CAMPAIGN_ID", campaign)

    # the paper's Listing 2, lines 2 and 4 swapped for ours (Client() with no dashboard port clash)
    from dask.distributed import Client

    from mida.dask import MidaDask

    client = Client(n_workers=2, threads_per_worker=1, dashboard_address=":0")
    client.register_plugin(MidaDask())
    futures = client.map(incr, range(N))
    results = client.gather(futures)

    assert results == list(range(1, N + 1))
    client.close()
    client.cluster.close()
    [wf] = server.wait_for(
        "the run's workflow", lambda: [w["workflow_id"] for w in api.workflows(campaign_id=campaign)]
    )
    wait_finished(server, api, wf, {("incr", "FINISHED"): N})


def test_a_scheduler_and_worker_started_from_the_command_line_with_preload(server, api, tmp_path):
    import os
    import subprocess

    campaign = f"camp-cli-{uuid.uuid4().hex[:8]}"
    # LocalCluster's workers get this process's sys.path; these processes get it from PYTHONPATH
    env = dict(
        os.environ,
        MIDA_REDIS_URI=server.redis_uri,
        MIDA_CAMPAIGN_ID=campaign,
        MIDA_WORKFLOW_NAME="cli-run",
        PYTHONPATH=os.pathsep.join(sys.path),
    )
    dask_cli = os.path.join(os.path.dirname(sys.executable), "dask")
    file = str(tmp_path / "scheduler.json")
    scheduler = subprocess.Popen(
        [
            dask_cli,
            "scheduler",
            "--preload",
            "mida.dask",
            "--port",
            "0",
            "--dashboard-address",
            ":0",
            "--scheduler-file",
            file,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker = None
    try:
        server.wait_for("the scheduler file", lambda: os.path.exists(file), timeout=60)
        worker = subprocess.Popen(
            [
                dask_cli,
                "worker",
                "--scheduler-file",
                file,
                "--nworkers",
                "1",
                "--nthreads",
                "1",
                "--preload",
                "mida.dask",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        with Client(scheduler_file=file, timeout=60) as client:  # the user's code, unchanged
            client.wait_for_workers(1, timeout=60)
            assert client.gather(client.map(incr, range(10))) == list(range(1, 11))
        [wf] = server.wait_for(
            "the run's workflow", lambda: [w["workflow_id"] for w in api.workflows(campaign_id=campaign)]
        )
        server.wait_for("10 FINISHED tasks", lambda: counts(api, wf) == {("incr", "FINISHED"): 10})
        assert api.workflow(wf)["name"] == "cli-run"
        assert api.workflow(wf)["status"] == "RUNNING"  # the run lasts as long as the scheduler
    finally:
        for p in (worker, scheduler):
            if p is not None:
                p.terminate()
                p.wait(timeout=30)
    server.wait_for("the workflow to finish with the scheduler", lambda: finished(api, wf), timeout=30)


class Opaque:
    def __init__(self, n):
        self.n = n

    def __repr__(self):
        return f"Opaque({self.n})"


def frame(n):
    import pandas as pd

    return pd.DataFrame({"a": range(n), "b": [0.5] * n})


def big(mb):
    import numpy as np

    return np.zeros(mb * 1024 * 1024, dtype="uint8")


def describe(x):
    return {"kind": type(x).__name__, "length": len(x) if hasattr(x, "__len__") else None}


def test_values_that_are_not_json_are_summarised_and_the_tasks_are_unaffected(cluster, server, api):
    pytest.importorskip("pandas")
    client = Client(cluster)
    plugin = MidaDask(workflow_name="values", redis_uri=server.redis_uri)
    client.register_plugin(plugin)
    produced = [client.submit(frame, 5), client.submit(Opaque, 3), client.submit(big, 100)]
    consumed = [client.submit(describe, p) for p in produced[::2]] + [client.submit(repr, produced[1])]
    assert client.gather(consumed) == [
        {"kind": "DataFrame", "length": 5},
        {"kind": "ndarray", "length": 100 * 1024 * 1024},
        "Opaque(3)",
    ]
    wf = plugin.workflow_id
    keys = [f.key for f in produced + consumed]
    client.close()
    server.wait_for(
        "six FINISHED tasks", lambda: sum(n for (_, s), n in counts(api, wf).items() if s == "FINISHED") == 6
    )

    df, obj, arr = (api.task(task_id(wf, k))["generated"]["result"] for k in keys[:3])
    assert df["type"] == "pandas.DataFrame" and df["shape"] == [5, 2] and df["columns"] == ["a", "b"]
    assert obj["type"].endswith("Opaque") and obj["repr"] == "Opaque(3)"
    assert arr == {
        "type": "numpy.ndarray",
        "shape": [100 * 1024 * 1024],
        "dtype": "uint8",
        "size": 100 * 1024 * 1024,
    }
    used = api.task(task_id(wf, keys[4]))["used"]["x"]
    assert used["@id"] == entity_id(wf, keys[2]) and used["dtype"] == "uint8"
    assert api.task(task_id(wf, keys[4]))["generated"] == {"kind": "ndarray", "length": 100 * 1024 * 1024}


def test_keys_computed_again_after_dask_forgot_them_are_new_tasks_of_the_same_run(cluster, server, api):
    client = Client(cluster)
    plugin = MidaDask(workflow_name="again", redis_uri=server.redis_uri)
    client.register_plugin(plugin)
    wf, n = plugin.workflow_id, 5
    runs = []
    for _ in range(2):
        futures = client.map(incr, range(n))
        doubled = client.map(double, futures)
        assert client.gather(doubled) == [2 * (i + 1) for i in range(n)]
        keys = [f.key for f in futures], [f.key for f in doubled]
        runs.append(keys)
        del futures, doubled
        server.wait_for(
            "Dask to forget the keys",
            lambda keys=keys: not any(k in cluster.scheduler.tasks for k in keys[0] + keys[1]),
        )
    client.close()
    wait_finished(server, api, wf, {("incr", "FINISHED"): 2 * n, ("double", "FINISHED"): 2 * n})

    (incr_keys, first_doubles), (again, second_doubles) = runs
    assert again == incr_keys  # deterministic keys, computed twice
    assert task_id(wf, incr_keys[0], 1) == task_id(wf, incr_keys[0]) + "#1"
    for i in (0, 1):
        assert api.task(task_id(wf, incr_keys[0], i))["generated"] == {
            "result": 1,
            "dask_output": {"@id": entity_id(wf, incr_keys[0], i), "@type": "dask.result"},
        }
    t = api.task(task_id(wf, second_doubles[0]))
    assert t["dependencies"] == [task_id(wf, incr_keys[0], 1)]
    assert t["used"]["x"]["@id"] == entity_id(wf, incr_keys[0], 1)
    assert api.task(task_id(wf, first_doubles[0]))["used"]["x"]["@id"] == entity_id(wf, incr_keys[0])


def total_of(values, scale=1):
    return sum(values) * scale


def test_futures_inside_a_list_argument_are_entities_too(cluster, server, api):
    client = Client(cluster)
    plugin = MidaDask(workflow_name="lists", redis_uri=server.redis_uri)
    client.register_plugin(plugin)
    parts = client.map(incr, range(3))
    s = client.submit(total_of, parts, scale=2)
    assert s.result() == 12
    wf, keys, key = plugin.workflow_id, [p.key for p in parts], s.key
    client.close()
    wait_finished(server, api, wf, {("incr", "FINISHED"): 3, ("total_of", "FINISHED"): 1})
    t = api.task(task_id(wf, key))
    assert t["used"]["scale"] == 2
    assert [v["@id"] for v in t["used"]["values"]] == [entity_id(wf, k) for k in keys]
    assert sorted(t["dependencies"]) == sorted(task_id(wf, k) for k in keys)
    up = api.lineage(task_id(wf, key), direction="upstream", depth=2)
    assert {(task_id(wf, key), "used", entity_id(wf, k)) for k in keys} <= {
        (e["source"], e["type"], e["target"]) for e in up["edges"]
    }


def test_a_worker_that_cannot_start_the_plugin_is_named_in_a_warning_and_the_run_goes_on(
    server, api, monkeypatch, caplog
):
    monkeypatch.setenv("MIDA_FLUSH_INTERVAL", "not-a-number")  # the workers' emitter refuses it
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0") as cl:
        monkeypatch.delenv("MIDA_FLUSH_INTERVAL")  # the scheduler's (this process) is fine
        with Client(cl) as client, caplog.at_level("WARNING", logger="mida.dask"):
            plugin = MidaDask(workflow_name="half", redis_uri=server.redis_uri)
            client.register_plugin(plugin)
            assert client.gather(client.map(incr, range(3))) == [1, 2, 3]
            with pytest.raises(ValueError):
                client.submit(boom, 7).result()
    assert any(
        "does not record tasks" in r.getMessage() and "MIDA_FLUSH_INTERVAL" in r.getMessage()
        for r in caplog.records
    ), [r.getMessage() for r in caplog.records]
    # the scheduler recorded the ends of that worker's tasks: none stays SUBMITTED
    wf = plugin.workflow_id
    server.wait_for(
        "the tasks to end", lambda: counts(api, wf) == {("incr", "FINISHED"): 3, ("boom", "ERROR"): 1}
    )
    rows = api.query(
        projection=["task_id", "activity_id", "started_at", "ended_at"], filter={"workflow_id": wf}
    )
    assert all(r["started_at"] and r["ended_at"] >= r["started_at"] for r in rows), rows
    failed = api.task(next(r["task_id"] for r in rows if r["activity_id"] == "boom"))
    assert "bad input: 7" in failed["stderr"], failed


def slow(x, seconds=2.0):
    import time

    time.sleep(seconds)
    return x


def test_a_cancelled_task_is_an_error_that_says_so_and_never_stays_submitted(cluster, server, api):
    client = Client(cluster)
    plugin = MidaDask(workflow_name="cancel", redis_uri=server.redis_uri)
    client.register_plugin(plugin)
    first = client.submit(slow, 1)
    waiting = client.submit(incr, first)
    client.cancel(waiting)  # still waiting for the slow task
    assert first.result() == 1
    wf, keys = plugin.workflow_id, (first.key, waiting.key)
    client.close()
    wait_finished(server, api, wf, {("slow", "FINISHED"): 1, ("incr", "ERROR"): 1})
    assert "cancelled" in api.task(task_id(wf, keys[1]))["stderr"]


def test_an_unknown_setting_fails_where_the_plugin_is_made():
    with pytest.raises(TypeError, match="redis_url"):
        MidaDask(redis_url="redis://x")


def test_a_functions_parameters_are_read_once_for_all_its_unpickled_copies(monkeypatch):
    """A worker unpickles a new copy of the function for every task: the signature cache must still
    hit (it cost ~60 µs per task on the task's critical path when it did not)."""
    import inspect

    import cloudpickle

    from mida import dask as mida_dask

    def fit(data, lr=0.01, *rest, epochs=3):
        return data

    copies = [cloudpickle.loads(cloudpickle.dumps(fit)) for _ in range(3)]
    assert copies[0] is not copies[1]
    calls = []
    real = inspect.signature
    monkeypatch.setattr(inspect, "signature", lambda f, *a, **k: calls.append(f) or real(f, *a, **k))
    monkeypatch.setattr(mida_dask, "_by_code", {})
    names = [mida_dask._parameter_names(c, 4, {}) for c in copies]
    assert names == [["data", "lr", "rest[0]", "rest[1]"]] * 3
    assert len(calls) == 1


def test_the_plugin_reports_its_own_status_while_it_runs_and_when_the_run_ends(cluster, server):
    """Observer status reports ("type":"observer") on the stream: running with counters, then stopped."""
    import json
    import time

    import redis

    stream = f"test:dask-status:{uuid.uuid4().hex}"
    client = Client(cluster)
    plugin = MidaDask(
        campaign_id="status-camp",
        workflow_name="status",
        redis_uri=server.redis_uri,
        stream=stream,
        status_interval_s=0.3,
    )
    client.register_plugin(plugin)
    assert client.gather(client.map(incr, range(20))) == list(range(1, 21))
    time.sleep(1.0)  # at least one periodic report after the tasks
    client.close()

    r = redis.Redis.from_url(server.redis_uri)

    def reports():
        out = []
        for _id, fields in r.xrange(stream):
            v = json.loads(fields[b"event"])
            out += [e for e in (v if isinstance(v, list) else [v]) if e.get("type") == "observer"]
        return out

    deadline = time.monotonic() + 30
    while not any(e["state"] == "stopped" for e in reports()):
        assert time.monotonic() < deadline, reports()
        time.sleep(0.2)
    got = reports()
    r.delete(stream)
    assert {e["observer_id"] for e in got} == {plugin.observer_id}
    assert plugin.observer_id.endswith("/dask/" + plugin.workflow_id)
    first, last = got[0], got[-1]
    assert first["state"] == "running" and first["kind"] == "dask" and first["campaign_id"] == "status-camp"
    assert first["interval"] == 0.3 and first["version"] == mida.__version__
    assert last["state"] == "stopped"
    assert last["counters"]["tasks_submitted"] == 20 and last["counters"]["tasks_finished"] == 20
    assert last["counters"]["emitted"] >= 20 and last["counters"]["dropped"] == 0
    running = [e for e in got if e["state"] == "running"]
    assert len(running) >= 3, [e["at"] for e in got]  # the first one and periodic ones
    assert [e["at"] for e in got] == sorted(e["at"] for e in got)


def test_the_plugins_status_is_served_by_the_query_api(cluster, server, api):
    client = Client(cluster)
    plugin = MidaDask(workflow_name="status-api", redis_uri=server.redis_uri, status_interval_s=0.5)
    client.register_plugin(plugin)
    assert client.gather(client.map(double, range(5))) == [0, 2, 4, 6, 8]
    client.close()

    def stopped():
        return any(
            o["observer_id"] == plugin.observer_id and o["state"] == "stopped" for o in api.observers()
        )

    server.wait_for("the stopped report to be stored", stopped)
    mine = api.observer(plugin.observer_id)
    assert mine["kind"] == "dask" and mine["name"] == "status-api" and mine["silent"] is False
    assert mine["counters"]["tasks_submitted"] == 5 and mine["counters"]["tasks_finished"] == 5
    with pytest.raises(NotFound):
        api.observer("no/such/observer")


def _task_events(server, stream):
    import json

    import redis

    r = redis.Redis.from_url(server.redis_uri)
    out = [e for _id, f in r.xrange(stream) for e in json.loads(f[b"event"]) if e.get("type") == "task"]
    r.delete(stream)
    return out


def test_a_short_task_is_one_worker_event_and_linger_0_gives_two(cluster, server):
    """Issue 15: the worker half holds RUNNING back for the emitter's linger; a task that ends sooner
    sends one FINISHED with its start fields (started_at, used). With linger_s=0 both events go."""
    got = {}
    for linger in (5.0, 0.0):
        stream = f"test:dask-linger:{uuid.uuid4().hex}"
        client = Client(cluster)
        plugin = MidaDask(workflow_name="linger", redis_uri=server.redis_uri, stream=stream, linger_s=linger)
        client.register_plugin(plugin)
        assert client.gather(client.map(incr, range(50))) == list(range(1, 51))
        client.close()  # the worker halves flush at teardown when the next plugin replaces them
        # Only task events count. The scheduler half's workflow events have a status too (RUNNING at
        # registration, FINISHED with ended_at when the client leaves), and that FINISHED can reach the
        # stream before a worker's last flush (the halves are separate emitters): counted, 49 task
        # FINISHED + the workflow's ended the wait one task early and the read found 49 of 50 RUNNING
        # (a CI run under load), the last one arriving tens of ms later. Each worker sends a task's
        # RUNNING before its FINISHED, so every FINISHED there means every RUNNING there.
        wanted = ("FINISHED", "RUNNING") if linger == 0.0 else ("FINISHED",)
        server.wait_for(
            f"every task's {' and '.join(wanted)}",
            lambda s=stream, w=wanted: all(n >= 50 for n in _task_status_counts(server, s, w)),
            timeout=30,
        )
        got[linger] = _task_events(server, stream)
    statuses = {k: sorted({e.get("status") for e in v} - {None}) for k, v in got.items()}
    assert statuses[5.0] == ["FINISHED", "SUBMITTED"], statuses
    assert statuses[0.0] == ["FINISHED", "RUNNING", "SUBMITTED"], statuses
    lone = [e for e in got[5.0] if e.get("status") == "FINISHED"]
    assert len(lone) == 50
    for e in lone:
        assert e["started_at"] <= e["ended_at"] and e["used"] == {"n": e["generated"]["result"] - 1}
    assert sum(e.get("status") == "RUNNING" for e in got[0.0]) == 50
    assert sum(e.get("status") == "FINISHED" for e in got[0.0]) == 50


def _task_status_counts(server, stream, statuses):
    """How many task events (not workflow or observer events) of the stream have each status."""
    tasks = [e.get("status") for e in _peek_events(server, stream) if e.get("type") == "task"]
    return [tasks.count(s) for s in statuses]


def _peek_events(server, stream):
    import json

    import redis

    r = redis.Redis.from_url(server.redis_uri)
    return [e for _id, f in r.xrange(stream) for e in json.loads(f[b"event"])]


def test_the_plugins_per_task_events_skip_the_emitters_second_validation_and_copies_when_vouched(server):
    """Issue 15 (obs15c): the Dask halves build their task events in the form ``wire.validate`` returns
    and hand them over without a defensive copy; an event they cannot vouch for (here a key whose task
    id is longer than the server takes) stays a plain dict, is validated by the emitter and dead-lettered
    with the reason. The plugin's hooks are called as Dask calls them, on real Dask task states."""
    import json
    import types

    import redis
    from dask._task_spec import Task
    from distributed.worker_state_machine import TaskState

    from mida import wire
    from mida.dask import _Config, _MidaWorker

    stream = f"test:dask-vouch:{uuid.uuid4().hex}"
    cfg = _Config(
        f"wf-{uuid.uuid4().hex}", "vouch", "vouch", {"redis_uri": server.redis_uri, "stream": stream}
    )
    short, long_ = "incr-0001", "incr-" + "x" * 1100
    tasks = {k: TaskState(key=k, run_spec=Task(k, incr, i)) for i, k in enumerate((short, long_))}
    worker = types.SimpleNamespace(state=types.SimpleNamespace(tasks=tasks), data={}, name="w-1")
    half = _MidaWorker(cfg)
    half.setup(worker)
    sched = MidaDask(campaign_id="vouch", redis_uri=server.redis_uri, stream=stream)
    sched.config = cfg
    sched._emitter = cfg.emitter()
    handed = []
    for e in (half._emitter, sched._emitter):
        e._emit_owned = (lambda inner: lambda ev: (handed.append(ev), inner(ev)))(e._emit_owned)
    prefix = types.SimpleNamespace(name="incr")
    states = {
        k: types.SimpleNamespace(state="released", dependencies=(), prefix=prefix, annotations=None)
        for k in tasks
    }
    try:
        sched.update_graph(types.SimpleNamespace(tasks=states), client="c", tasks=list(tasks))
        for i, k in enumerate(tasks):
            half.transition(k, "ready", "executing")
            worker.data[k] = i + 1
            half.transition(k, "executing", "memory")
        assert half._emitter.flush(30) and sched._emitter.flush(30)
    finally:
        half.teardown(worker)
        sched._close(10)
    by_status = {(ev["status"], ev["task_id"] == task_id(cfg.workflow_id, short)): ev for ev in handed}
    for status in ("SUBMITTED", "FINISHED"):
        ok, bad = by_status[(status, True)], by_status[(status, False)]
        assert type(ok) is wire.Canonical, status  # sent as built: no validation, no copy
        assert wire.validate(dict(ok)) == ok  # ... and it is what validation would have made of it
        assert type(bad) is dict, status  # the emitter validates it
    assert by_status[("FINISHED", True)]["used"] == {"n": 0}
    assert by_status[("FINISHED", True)]["generated"] == {"result": 1}
    r = redis.Redis.from_url(server.redis_uri)
    sent = [e for _id, f in r.xrange(stream) for e in json.loads(f[b"event"]) if e.get("type") == "task"]
    dead = [json.loads(f[b"event"]) for _id, f in r.xrange(stream + wire.DEAD_SUFFIX)]
    reasons = [f[b"reason"].decode() for _id, f in r.xrange(stream + wire.DEAD_SUFFIX)]
    r.delete(stream, stream + wire.DEAD_SUFFIX)
    assert sorted(e["status"] for e in sent) == ["FINISHED", "SUBMITTED"]
    assert all(e["task_id"] == task_id(cfg.workflow_id, short) for e in sent)
    assert len(dead) == 2 and all("longer than 1024 characters" in why for why in reasons), reasons
