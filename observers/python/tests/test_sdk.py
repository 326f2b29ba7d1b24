"""The SDK end to end: decorated functions, loops, explicit tasks and workflows, checked through the
real server's REST API (/api/tasks, /api/workflows, /api/lineage)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.parse
import uuid
from pathlib import Path

import pytest
import redis

import mida
from mida import sdk
from mida.emitter import Emitter

SRC = str(Path(__file__).resolve().parents[1] / "src")


@pytest.fixture
def emitter(server, tmp_path):
    em = Emitter(redis_uri=server.redis_uri, stream=server.stream, spill_dir=str(tmp_path))
    yield em
    em.close()


def q(s: str) -> str:
    return urllib.parse.quote(s, safe="")


def ingested(server, emitter):
    assert emitter.flush(30)
    assert emitter.stats()["rejected"] == 0
    server.wait_ingested()


def task_doc(server, task_id):
    status, body = server.get("/api/tasks?id=" + q(task_id))
    assert status == 200, body
    return body


def tasks_of(server, workflow_id) -> list:
    status, body = server.get(f"/api/workflows/{q(workflow_id)}/tasks?limit=1000")
    assert status == 200, body
    return body["tasks"]


@mida.task
def prepare(path, scale=2.0):
    return {"rows": 10, "table": mida.entity(f"table://{path}", "table")}


@mida.task(name="fit", activity_id="train_model")
def fit(table, lr, *, epochs=3, **extra):
    inner(lr)
    return mida.entity("model://m-" + table["@id"].rsplit("/", 1)[-1], "model", framework="none")


@mida.task
def inner(x):
    return x * 2


@mida.task
def broken(n):
    raise ValueError(f"bad n {n}")


def test_the_decorator_records_used_generated_parents_and_lineage(server, emitter):
    tag = uuid.uuid4().hex[:8]
    with mida.workflow(name="sdk-test", campaign_id=f"camp-{tag}", emitter=emitter) as wf:
        out = prepare(f"in-{tag}")
        model = fit(out["table"], 0.1, momentum=0.9)
    assert model["@id"] == f"model://m-in-{tag}"
    ingested(server, emitter)
    tasks = {t["activity_id"]: t for t in tasks_of(server, wf.workflow_id)}
    assert set(tasks) == {"prepare", "train_model", "inner"}
    p, f, i = tasks["prepare"], tasks["train_model"], tasks["inner"]
    assert p["used"] == {"path": f"in-{tag}", "scale": 2.0}
    assert p["generated"]["rows"] == 10
    assert p["status"] == f["status"] == "FINISHED"
    assert f["used"]["lr"] == 0.1 and f["used"]["epochs"] == 3 and f["used"]["momentum"] == 0.9
    assert f["used"]["table"] == {"@id": f"table://in-{tag}", "@type": "table"}
    assert f["generated"]["result"]["@id"] == f"model://m-in-{tag}"
    assert i["parent_task_id"] == f["task_id"] and "parent_task_id" not in f
    assert i["generated"] == {"result": 0.2}
    for t in (p, f, i):
        assert t["campaign_id"] == f"camp-{tag}" and t["hostname"] and t["started_at"] <= t["ended_at"]
    # the table entity links the two tasks: the model's lineage reaches prepare
    status, lin = server.get(f"/api/lineage?id={q(model['@id'])}&direction=upstream&depth=5")
    assert status == 200, lin
    ids = {n["id"] for n in lin["nodes"]}
    assert {f["task_id"], f"table://in-{tag}", p["task_id"]} <= ids
    status, wfdoc = server.get("/api/workflows?id=" + q(wf.workflow_id))
    assert status == 200, wfdoc
    assert wfdoc["status"] == "FINISHED" and wfdoc["name"] == "sdk-test" and wfdoc["task_count"] == 3


def test_an_exception_makes_the_task_error_with_its_traceback_and_is_reraised(server, emitter):
    with pytest.raises(RuntimeError):
        with mida.workflow(name="failing", emitter=emitter) as wf:
            with pytest.raises(ValueError, match="bad n 3"):
                broken(3)
            raise RuntimeError("the workflow fails too")
    ingested(server, emitter)
    (t,) = tasks_of(server, wf.workflow_id)
    assert t["status"] == "ERROR" and t["used"] == {"n": 3}
    assert "ValueError: bad n 3" in t["stderr"] and "Traceback" in t["stderr"]
    status, doc = server.get("/api/workflows?id=" + q(wf.workflow_id))
    assert status == 200 and doc["status"] == "ERROR"
    assert "the workflow fails too" in doc["custom_metadata"]["error"]


def test_loop_explicit_task_and_nested_workflows(server, emitter):
    with mida.workflow(name="outer", campaign_id="loop-camp", emitter=emitter) as outer:
        with mida.workflow(name="inner") as wf:
            for epoch in mida.loop(range(3), name="epoch"):
                inner(epoch)
            with mida.Task("evaluate", used={"split": "test"}) as t:
                t.generated["accuracy"] = 0.93
            explicit = mida.Task("manual", used={"k": 1}).start()
            explicit.generated["v"] = "done"
            explicit.end()
    assert wf.parent_workflow_id == outer.workflow_id and wf.campaign_id == "loop-camp"
    ingested(server, emitter)
    tasks = tasks_of(server, wf.workflow_id)
    epochs = sorted((t for t in tasks if t["activity_id"] == "epoch"), key=lambda t: t["used"]["index"])
    assert [e["used"] for e in epochs] == [{"index": i, "item": i} for i in range(3)]
    inners = [t for t in tasks if t["activity_id"] == "inner"]
    assert sorted(t["parent_task_id"] for t in inners) == sorted(e["task_id"] for e in epochs)
    ev = task_doc(server, t.task_id)
    assert ev["generated"] == {"accuracy": 0.93} and ev["used"] == {"split": "test"}
    assert "parent_task_id" not in ev  # the loop's iterations ended before
    assert task_doc(server, explicit.task_id)["generated"] == {"v": "done"}
    status, doc = server.get("/api/workflows?id=" + q(wf.workflow_id))
    assert status == 200 and doc["parent_workflow_id"] == outer.workflow_id and doc["status"] == "FINISHED"


def test_values_that_are_not_json_are_summarised_in_used_and_generated(server, emitter):
    np = pytest.importorskip("numpy")

    @mida.task
    def normalise(images):
        return images / 2.0

    with mida.workflow(name="arrays", emitter=emitter) as wf:
        normalise(np.ones((2, 3, 4), dtype="uint8"))
    ingested(server, emitter)
    (t,) = tasks_of(server, wf.workflow_id)
    assert t["used"]["images"] == {"type": "numpy.ndarray", "shape": [2, 3, 4], "dtype": "uint8", "size": 24}
    assert t["generated"]["result"]["dtype"] == "float64"


def test_tasks_outside_a_workflow_use_the_default_emitter_from_the_environment(server, tmp_path):
    tag = uuid.uuid4().hex
    code = (
        "import mida\n"
        "@mida.task\n"
        "def step(x): return x + 1\n"
        f"with mida.Task('solo', task_id='solo-{tag}'): step(1)\n"
    )
    env = {
        "PYTHONPATH": SRC,
        "MIDA_REDIS_URI": server.redis_uri,
        "MIDA_STREAM": server.stream,
        "MIDA_SPILL_DIR": str(tmp_path),
        "MIDA_CAMPAIGN_ID": f"env-{tag}",
        "PATH": "/usr/bin:/bin",
    }
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=60)
    server.wait_ingested()
    doc = server.wait_for(
        "the solo task",
        lambda: (
            server.get(f"/api/tasks?id=solo-{tag}")[1]
            if server.get(f"/api/tasks?id=solo-{tag}")[0] == 200
            else None
        ),
    )
    assert doc["campaign_id"] == f"env-{tag}" and doc["status"] == "FINISHED"


def test_entity_of_a_path_is_a_file_uri(tmp_path):
    ref = mida.entity(tmp_path / "a b.png")
    assert ref == {"@id": "file://" + str(tmp_path / "a b.png"), "@type": "file"}
    assert sdk.entity("s3://b/k", "dataset", size=3) == {"@id": "s3://b/k", "@type": "dataset", "size": 3}
    with pytest.raises(ValueError):
        sdk.entity("")


def test_importing_the_sdk_stays_light():
    code = "import sys, mida.sdk\nprint(sorted({'numpy', 'pandas', 'psutil', 'redis'} & set(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": SRC, "PATH": "/usr/bin:/bin"},
    ).stdout.strip()
    assert out == "[]"


def test_the_campaign_comes_from_the_emitters_settings(server, tmp_path):
    em = Emitter(
        redis_uri=server.redis_uri, stream=server.stream, spill_dir=str(tmp_path), campaign_id="from-settings"
    )
    try:
        with mida.workflow(name="c", emitter=em) as wf:
            with mida.Task("in-campaign") as t:
                pass
    finally:
        em.close()
    assert wf.campaign_id == "from-settings"
    server.wait_ingested()
    assert task_doc(server, t.task_id)["campaign_id"] == "from-settings"


def test_a_generator_task_spans_its_iteration(server, emitter):
    @mida.task
    def batches(n):
        for i in range(n):
            yield i
        return "done"

    with mida.workflow(name="gen", emitter=emitter) as wf:
        assert list(batches(3)) == [0, 1, 2]
        inner(1)  # not a child of the generator task
    ingested(server, emitter)
    tasks = {t["activity_id"]: t for t in tasks_of(server, wf.workflow_id)}
    assert tasks["batches"]["status"] == "FINISHED" and tasks["batches"]["generated"] == {"result": "done"}
    assert "parent_task_id" not in tasks["inner"]


def test_task_ids_are_unique_within_a_process_and_across_a_fork():
    from mida import sdk

    ids = [sdk._new_task_id() for _ in range(1000)]
    assert len(set(ids)) == 1000 and all(len(i) == 32 for i in ids)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child only draws an id and leaves
        os.close(r)
        os.write(w, sdk._new_task_id().encode())
        os._exit(0)
    os.close(w)
    child = os.read(r, 64).decode()
    os.waitpid(pid, 0)
    assert len(child) == 32 and child not in ids
    assert child[:20] != ids[0][:20], "a forked child draws from its own prefix"


@mida.task
def in_pool(x):
    return x * 10


def test_tasks_run_in_a_thread_pool_belong_to_the_open_workflow(server, emitter):
    """A ThreadPoolExecutor's threads do not inherit the context: they still see the open workflow."""
    from concurrent.futures import ThreadPoolExecutor

    with mida.workflow(name="pool", emitter=emitter) as wf:
        with ThreadPoolExecutor(max_workers=2) as pool:
            assert list(pool.map(in_pool, range(4))) == [0, 10, 20, 30]
    assert sdk.current_workflow() is None
    ingested(server, emitter)
    tasks = tasks_of(server, wf.workflow_id)
    assert sorted(t["generated"]["result"] for t in tasks) == [0, 10, 20, 30]
    assert {t["status"] for t in tasks} == {"FINISHED"}


@mida.task
def quick(x):
    return x + 1


@mida.task
def slow(x, pause=0.4):
    time.sleep(pause)
    return x + 1


def test_a_short_task_is_one_event_a_long_one_two_and_both_are_stored_finished(server, tmp_path):
    """Issue 15: RUNNING waits for the emitter's linger; a task that ends sooner sends one FINISHED
    event with its start fields too, which the server stores as a finished task; a longer one is
    visible as RUNNING while it runs."""
    em = Emitter(redis_uri=server.redis_uri, stream=server.stream, spill_dir=str(tmp_path), linger_s=0.1)
    try:
        with mida.workflow(name="linger", emitter=em) as wf:
            assert quick(1) == 2
            assert slow(2) == 3
        assert em.flush(30)
        st = em.stats()
        # workflow RUNNING + FINISHED, quick: 1 event, slow: 2
        assert st["coalesced"] == 1 and st["emitted"] == 5 and st["rejected"] == 0
        server.wait_ingested()
        tasks = {t["activity_id"]: t for t in tasks_of(server, wf.workflow_id)}
        q_, s_ = tasks["quick"], tasks["slow"]
        assert q_["status"] == s_["status"] == "FINISHED"
        assert q_["used"] == {"x": 1} and q_["generated"] == {"result": 2}
        assert s_["used"] == {"x": 2, "pause": 0.4} and s_["generated"] == {"result": 3}
        for t in (q_, s_):
            assert t["submitted_at"] <= t["started_at"] <= t["ended_at"]
    finally:
        em.close()


def test_events_the_sdk_built_are_not_validated_again_and_the_ones_it_cannot_vouch_for_are(
    server, tmp_path, monkeypatch
):
    """Issue 15: a decorated call's event is built in the canonical form (ids, lists and entity
    references checked once per task), so the emitter's flusher sends it without wire.validate; a
    task whose name or entity the server would refuse is validated as before and dead-lettered with
    the reason, never sent as it is and never lost."""
    from mida import wire

    checked = []
    real = wire.validate
    monkeypatch.setattr(wire, "validate", lambda ev: checked.append(ev.get("task_id")) or real(ev))
    em = Emitter(redis_uri=server.redis_uri, stream=server.stream, spill_dir=str(tmp_path), linger_s=60)
    try:
        with mida.workflow(name="canonical", emitter=em) as wf:
            for i in range(5):
                assert quick(i) == i + 1
            with mida.Task("x" * 2000) as long_name:
                pass
            with mida.Task("bad-entity", used={"data": {"@id": 42}}) as bad_entity:
                pass
        assert em.flush(30)
        st = em.stats()
        # the five quick calls: one event each, none validated; the workflow's two events and the two
        # refused tasks are
        assert st["coalesced"] == 7
        assert sorted(t for t in checked if t) == sorted([long_name.task_id, bad_entity.task_id])
        assert st["rejected"] == 2
        server.wait_ingested()
        tasks = tasks_of(server, wf.workflow_id)
        assert sorted(t["used"]["x"] for t in tasks) == [0, 1, 2, 3, 4]
        assert all(t["status"] == "FINISHED" for t in tasks)
        letters = redis.Redis.from_url(server.redis_uri).xrange(server.stream + ":dead")
        reasons = b" ".join(f[b"reason"] for _, f in letters)
        assert b'"activity_id" is longer than 1024' in reasons
        assert b'entity "@id" under "data" must be a string' in reasons
    finally:
        em.close()


def test_an_sdk_event_handed_to_emit_from_outside_is_validated_like_any_other(server, tmp_path):
    from mida import wire

    em = Emitter(redis_uri=server.redis_uri, stream=server.stream, spill_dir=str(tmp_path))
    try:
        em.emit(wire.Canonical({"type": "task", "task_id": " ", "status": "FINISHED"}))
        assert em.flush(30)
        assert em.stats()["rejected"] == 1
    finally:
        em.close()


class _Capture:
    """An emitter that keeps what it is given (no Redis)."""

    def __init__(self):
        self.events = []

    def emit(self, ev):
        self.events.append(ev)


def _events_of_a_run(monkeypatch, templates: bool) -> list:
    from mida import sdk

    monkeypatch.setattr(sdk, "_TEMPLATES", templates)
    monkeypatch.setattr(sdk, "_ids", ["f" * 20, iter(range(100))])
    cap = _Capture()
    with mida.workflow(name="tmpl", workflow_id="wf-tmpl", campaign_id="camp", emitter=cap):
        quick(1)
        quick(2)
        with mida.Task("outer", tags=["a"], dependencies=["d-1"]):
            quick(3)
        with mida.Task("x" * 2000):  # an activity the server refuses: not vouched, validated by the emitter
            pass
        with mida.Task("t", task_id=" "):  # a blank id: not vouched either
            pass
    with mida.workflow(name="other", workflow_id="wf-other", emitter=cap):
        quick(4)  # the same activity in another workflow: that workflow's ids
    out = []
    for ev in cap.events:
        if ev.get("type") == "task":
            ev = dict(ev, _canonical=type(ev).__name__)
            for k in ("started_at", "ended_at", "submitted_at"):
                ev.pop(k, None)
            out.append(list(ev.items()))
    return out


def test_task_events_from_the_workflows_template_are_the_ones_laid_out_per_task(monkeypatch):
    """Issue 15 (obs18): a task's shared fields come from its workflow's per-activity template,
    checked once; the events (keys, their order, values, and whether the emitter may skip validating
    them) are the ones laid out and checked per task."""
    with_templates = _events_of_a_run(monkeypatch, True)
    without = _events_of_a_run(monkeypatch, False)
    assert with_templates == without
    canonical = [dict(ev)["_canonical"] for ev in with_templates]
    assert canonical.count("dict") == 4 and canonical.count("Canonical") == len(canonical) - 4
    by_id = {dict(ev)["task_id"]: dict(ev) for ev in with_templates}
    assert {ev["workflow_id"] for ev in by_id.values()} == {"wf-tmpl", "wf-other"}
    assert by_id["f" * 20 + f"{5:012x}"].get("campaign_id") is None
