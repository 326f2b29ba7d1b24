"""mida.logging.Handler: a script that only logs produces tasks and file entities a later task uses."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
import urllib.parse
import uuid
from pathlib import Path

import mida
import mida.logging as mida_logging
from mida.emitter import Emitter

SRC = str(Path(__file__).resolve().parents[1] / "src")


def q(s: str) -> str:
    return urllib.parse.quote(s, safe="")


def test_a_script_that_only_logs_image_paths_feeds_the_lineage_of_a_later_task(server, tmp_path):
    campaign = f"log-{uuid.uuid4().hex[:8]}"
    script = textwrap.dedent(
        """
        import logging, mida.logging
        logging.basicConfig(level=logging.INFO, handlers=[
            mida.logging.Handler(fields=["epoch"], entity_fields={"image_path": "file"},
                                 used_fields=["source"], activity_id="render")])
        log = logging.getLogger("render")
        for i in range(3):
            log.info("saved image %d", i, extra={"image_path": f"out/img {i}.png", "epoch": i})
        log.info("no structured fields: not a task")
        """
    )
    env = {
        "PYTHONPATH": SRC,
        "PATH": "/usr/bin:/bin",
        "MIDA_REDIS_URI": server.redis_uri,
        "MIDA_STREAM": server.stream,
        "MIDA_SPILL_DIR": str(tmp_path / "spill"),
        "MIDA_CAMPAIGN_ID": campaign,
    }
    subprocess.run([sys.executable, "-c", script], check=True, env=env, cwd=tmp_path, timeout=60)

    # a later task, in this process, reads one of the images
    em = Emitter(redis_uri=server.redis_uri, stream=server.stream, spill_dir=str(tmp_path / "spill2"))

    @mida.task
    def classify(image):
        return {"label": "cat"}

    with mida.workflow(name="classify", campaign_id=campaign, emitter=em):
        with mida.Task("classify-all") as t:
            classify(mida.entity(tmp_path / "out" / "img 1.png"))
    assert em.flush(30)
    em.close()
    server.wait_ingested()

    image = "file://" + str(tmp_path / "out" / "img 1.png")
    status, lin = server.get(f"/api/lineage?id={q(image)}&direction=both&depth=3")
    assert status == 200, lin
    nodes = {n["id"]: n for n in lin["nodes"]}
    name = {n["id"]: n.get("entity_id") or n["id"] for n in lin["nodes"]}  # a version as its entity
    edges = {
        (name[e["source"]], e["type"], name[e["target"]])
        for e in lin["edges"]
        if e["type"] != "specializationOf"
    }
    producers = [tgt for (s, typ, tgt) in edges if typ == "wasGeneratedBy" and s == image]
    consumers = [s for (s, typ, tgt) in edges if typ == "used" and tgt == image]
    assert len(producers) == 1 and len(consumers) == 1, edges
    render = nodes[producers[0]]
    assert render["kind"] == "task" and render["label"] == "render"
    status, doc = server.get("/api/tasks?id=" + q(producers[0]))
    assert doc["generated"]["epoch"] == 1
    assert doc["generated"]["image_path"] == {"@id": image, "@type": "file"}
    assert doc["custom_metadata"]["message"] == "saved image 1" and doc["campaign_id"] == campaign
    status, classified = server.get("/api/tasks?id=" + q(consumers[0]))
    assert classified["activity_id"] == "classify" and classified["parent_task_id"] == t.task_id


def test_records_inside_a_task_get_it_as_parent_and_errors_carry_the_traceback(server, tmp_path):
    em = Emitter(redis_uri=server.redis_uri, stream=server.stream, spill_dir=str(tmp_path))
    handler = mida_logging.Handler(entity_fields={"output": "dataset"}, emitter=em)
    log = logging.getLogger(f"mida-test-{uuid.uuid4().hex[:6]}")
    log.propagate = False
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        with mida.workflow(name="logged", emitter=em) as wf:
            with mida.Task("step") as t:
                log.info("wrote", extra={"output": "s3://bucket/x.parquet", "rows": 5})
                try:
                    raise ZeroDivisionError("division by zero")
                except ZeroDivisionError:
                    log.exception("failed", extra={"rows": 0})
        assert em.flush(30)
    finally:
        log.removeHandler(handler)
        em.close()
    server.wait_ingested()
    status, body = server.get(f"/api/workflows/{q(wf.workflow_id)}/tasks?limit=100")
    logged = [x for x in body["tasks"] if x.get("adapter_id") == "python-logging"]
    assert len(logged) == 2 and all(x["parent_task_id"] == t.task_id for x in logged)
    ok = next(x for x in logged if x["status"] == "FINISHED")
    assert ok["generated"] == {"output": {"@id": "s3://bucket/x.parquet", "@type": "dataset"}, "rows": 5}
    err = next(x for x in logged if x["status"] == "ERROR")
    assert "ZeroDivisionError" in err["stderr"]


def test_a_record_without_the_declared_fields_is_not_a_task():
    h = mida_logging.Handler(fields=["image_path"])
    rec = logging.LogRecord("x", logging.INFO, __file__, 1, "hello %s", ("you",), None)
    assert h.to_event(rec) is None
    rec.image_path = os.path.join("a", "b.png")
    ev = h.to_event(rec)
    assert ev["generated"] == {"image_path": "a/b.png"} and ev["custom_metadata"]["message"] == "hello you"
