"""The golden wire-format files: mida.wire decides as the Java codec does, and what the Emitter sends
is ingested by the real server (valid cases) or dead-lettered with the same reason (invalid ones)."""

from __future__ import annotations

import json
import re
import urllib.parse
import uuid

import pytest
import redis
from conftest import WIRE

from mida import wire
from mida.emitter import Emitter


def _cases(name):
    return [pytest.param(c, id=c["name"]) for c in json.loads((WIRE / name).read_text())["cases"]]


VALID = _cases("task-valid.json") + _cases("workflow-valid.json") + _cases("observer-valid.json")
INVALID = _cases("invalid.json")


def _text(case) -> str:
    return case["entry_text"] if "entry_text" in case else json.dumps(case["entry"])


def _elements(entry):
    """The events of an entry, each standing alone: a ``"=[k]"`` start telemetry (it only means
    something inside its entry) replaced by element k's object, as the codec resolves it."""
    if not isinstance(entry, list):
        return [entry]
    out = []
    for i, ev in enumerate(entry):
        start = ev.get("telemetry_at_start") if isinstance(ev, dict) else None
        k = wire.shared_telemetry_index(start) if isinstance(start, str) else -1
        if 0 <= k < i and isinstance(entry[k], dict) and isinstance(entry[k].get("telemetry_at_start"), dict):
            ev = {**ev, "telemetry_at_start": entry[k]["telemetry_at_start"]}
        out.append(ev)
    return out


def _has_marker(entry) -> bool:
    return any(
        isinstance(ev, dict)
        and isinstance(ev.get("telemetry_at_start"), str)
        and ev["telemetry_at_start"].startswith("=[")
        for ev in (entry if isinstance(entry, list) else [entry])
    )


@pytest.mark.parametrize("case", VALID)
def test_valid_cases_decode_to_the_golden_events(case):
    events, rejected = wire.decode(_text(case))
    assert rejected == []
    assert events == case["events"]
    assert [wire.validate(e) for e in _elements(case["entry"])] == case["events"]


@pytest.mark.parametrize("case", INVALID)
def test_invalid_cases_are_refused_with_the_golden_reason(case):
    events, rejected = wire.decode(_text(case))
    assert events == case["events"]
    assert len(rejected) == len(case["rejected"])
    for (index, reason), want in zip(rejected, case["rejected"]):
        assert index == want["index"]
        assert want["reason"] in reason


def test_a_validated_event_is_json_the_codec_reads_back():
    e = wire.validate({"task_id": "t", "started_at": "2024-05-01T12:00:00+02:00", "status": " running "})
    assert e == {"type": "task", "task_id": "t", "started_at": 1714557600.0, "status": "RUNNING"}
    assert wire.decode(json.dumps(e)) == ([e], [])


@pytest.mark.parametrize("bad", ["2024-05-01T12:00:00", "2024-05-01", "12:00:00Z", ""])
def test_a_time_without_offset_is_refused_as_java_refuses_it(bad):
    with pytest.raises(wire.InvalidEvent, match="ISO-8601 time with offset"):
        wire.validate({"task_id": "t", "started_at": bad})


def test_every_valid_case_emitted_through_the_emitter_is_ingested(server, tmp_path):
    r = redis.Redis.from_url(server.redis_uri)
    dead = server.stream + wire.DEAD_SUFFIX
    dead_before = r.xlen(dead)
    em = Emitter(redis_uri=server.redis_uri, stream=server.stream, spill_dir=str(tmp_path))
    tasks, workflows, observers = {}, {}, {}
    by_type = {
        "task": (tasks, "task_id"),
        "workflow": (workflows, "workflow_id"),
        "observer": (observers, "observer_id"),
    }
    try:
        for param in VALID:
            for ev in _elements(param.values[0]["entry"]):
                em.emit(ev)
            for ev in param.values[0]["events"]:
                into, key = by_type[ev["type"]]
                into[ev[key]] = ev
        assert em.flush(30)
        st = em.stats()
        assert st["rejected"] == 0 and st["flushed"] == st["emitted"]
    finally:
        em.close()
    server.wait_ingested()
    for tid in tasks:
        status, body = server.get("/api/tasks?id=" + urllib.parse.quote(tid, safe=""))
        assert status == 200, (tid, body)
    for wid in workflows:
        status, body = server.get("/api/workflows?id=" + urllib.parse.quote(wid, safe=""))
        assert status == 200, (wid, body)
    for oid in observers:
        # the path form takes the id's slashes as they are (node17/agent/mlflow)
        status, body = server.get("/api/observers/" + urllib.parse.quote(oid, safe="/"))
        assert status == 200, (oid, body)
        assert body["observer_id"] == oid
    # nothing of ours was dead-lettered by the server
    ours = set(tasks) | set(workflows) | set(observers)
    for _, fields in r.xrange(dead)[dead_before:]:
        text = fields[b"event"].decode()
        assert not any(f'"{i}"' in text for i in ours), fields


def test_every_invalid_event_is_dead_lettered_by_the_emitter(server, tmp_path):
    stream = f"test:wire:{uuid.uuid4().hex}"
    r = redis.Redis.from_url(server.redis_uri)
    em = Emitter(redis_uri=server.redis_uri, stream=stream, spill_dir=str(tmp_path))
    expected_reasons, expected_good = [], []
    for param in INVALID:
        case = param.values[0]
        if "entry" not in case or case["entry"] == [] or _has_marker(case["entry"]):
            # entry-level faults (not JSON, an empty array, a "=[k]" pointing inside its entry) cannot be
            # emitted as an event
            continue
        for ev in _elements(case["entry"]):
            em.emit(ev)
        expected_reasons += [re.sub(r"^\[\d+\] ", "", x["reason"]) for x in case["rejected"]]
        expected_good += case["events"]
    try:
        assert em.flush(30)
        st = em.stats()
    finally:
        em.close()
    assert st["rejected"] == len(expected_reasons)
    assert st["flushed"] == len(expected_good)
    letters = [{k.decode(): v.decode() for k, v in f.items()} for _, f in r.xrange(stream + ":dead")]
    assert len(letters) == len(expected_reasons)
    for letter, want in zip(letters, expected_reasons):
        assert want in letter["reason"]
        assert letter["stream"] == stream
        assert float(letter["at"]) > 0
        json.loads(letter["event"])  # the event as JSON text, replayable
    sent = [e for _, f in r.xrange(stream) for e in json.loads(f[b"event"])]
    assert sent == expected_good


@pytest.mark.parametrize(
    "text, epoch",
    [
        ("2024-05-01T12:00Z", 1714564800.0),
        ("2024-05-01t12:00:00.5+00:00", 1714564800.5),
        ("2024-05-01T14:00:00.123456789+02:00", 1714564800.123456789),
        ("2024-05-01T12:00:00-00:30", 1714566600.0),
    ],
)
def test_iso_times_are_read_as_java_reads_them(text, epoch):
    assert wire.validate({"task_id": "t", "ended_at": text})["ended_at"] == epoch


def test_the_flush_size_follows_the_event_rate():
    from mida.emitter import _FlushSizer

    sizer = _FlushSizer(max_batch=5000, max_age_s=0.2)
    sizer.sample(0, 0.0)
    assert sizer.batch_size() == 1  # no rate yet: every event goes out at once
    sizer.sample(10, 1.0)  # 10 events/s: rare
    assert sizer.batch_size() == 1
    for i in range(2, 40):
        sizer.sample(10 + (i - 1) * 100_000, float(i))  # 100k events/s
    assert sizer.batch_size() == 2000  # fills in 20 ms (a tenth of the flush interval)
    for i in range(40, 80):
        sizer.sample(10 + 38 * 100_000 + (i - 39) * 10_000_000, float(i))
    assert sizer.batch_size() == 5000  # capped at max_batch


def test_the_fast_path_agrees_with_the_ordered_checks_on_every_golden_event():
    accepted = refused = 0
    for param in VALID + INVALID:
        case = param.values[0]
        for ev in _elements(case.get("entry")) if "entry" in case else []:
            if not isinstance(ev, dict):
                continue
            fast = wire._fast_task(ev)
            try:
                slow = wire._task(ev)
            except wire.InvalidEvent:
                assert fast is None, ev  # an invalid event always gets the ordered checks' reason
                refused += 1
                continue
            if fast is not None:
                assert fast == slow
                accepted += 1
    assert accepted >= 8 and refused >= 10


def test_what_the_graph_cannot_index_or_name_is_refused_as_in_java():
    from mida.wire import InvalidEvent, validate

    bad = [
        {"type": "task", "task_id": "t", "used": {"d": {"@id": "\U0001f600" * 2048}}},
        {"type": "task", "task_id": "t", "used": {"d": {"@id": "e", "": 1}}},
        {"type": "task", "task_id": "t", "used": {"d": [{"@id": "e", "a\0b": 1}]}},
        {"type": "task", "task_id": "t", "activity_id": "a" * 1025},
    ]
    for event in bad:
        with pytest.raises(InvalidEvent):
            validate(event)
    validate(
        {
            "type": "task",
            "task_id": "t",
            "activity_id": "\u7530" * 1024,
            "used": {"d": {"@id": "\u7530" * 2048}},
        }
    )


def test_text_depth_is_never_below_the_nesting_depth_and_exact_without_brackets_in_strings():
    """The emitter's cheap check of an entry's depth (issue 15): it may only err on the high side
    (brackets inside strings), which sends the entry to the exact check, never on the low side."""
    import random

    rnd = random.Random(15)

    def value(d):
        r = rnd.random()
        if d > 7 or r < 0.3:
            return rnd.choice([1, 2.5, None, True, "plain", "é ✓", 'q"uote', "back\\slash"])
        if r < 0.65:
            return [value(d + 1) for _ in range(rnd.randint(0, 3))]
        return {f"k{i}": value(d + 1) for i in range(rnd.randint(0, 3))}

    for _ in range(5000):
        v = value(0)
        text = json.dumps(v, ensure_ascii=False)
        assert wire.text_depth(text) == wire.nesting_depth(v), text
    for tricky in ({"a": "[[[{{"}, {"a": "]"}, ["}{", [["x"]]], {"s": "[]" * 300}):
        text = json.dumps(tricky)
        assert wire.text_depth(text) >= wire.nesting_depth(tricky), text
    deep: list = []
    node = deep
    for _ in range(300):
        node.append([])
        node = node[0]
    assert wire.text_depth(json.dumps(deep)) == wire.MAX_NESTING_DEPTH + 1
