"""The Emitter against the real Redis of the test server. Each test writes to a stream of its own
(the server does not consume it), so what the emitter appended can be read back and counted."""

from __future__ import annotations

import json
import multiprocessing
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

import pytest
import redis

from mida import wire
from mida.emitter import Emitter

SRC = str(Path(__file__).resolve().parents[1] / "src")


@pytest.fixture
def stream():
    return f"test:emitter:{uuid.uuid4().hex}"


def sent_events(redis_uri: str, stream: str) -> list:
    r = redis.Redis.from_url(redis_uri)
    return [e for _, f in r.xrange(stream) for e in json.loads(f[b"event"])]


def assert_consistent(st: dict):
    assert st["emitted"] == st["flushed"] + st["spilled"] + st["rejected"] + st["dropped"] + st["buffered"], (
        st
    )


class TcpForwarder:
    """A real TCP proxy in front of Redis that can be stopped (connections cut, port closed) and started
    again on the same port: a Redis outage as the emitter sees it."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        self._listener = None
        self._conns: list = []
        self._running = False
        self._lock = threading.Lock()

    def start(self):
        ls = socket.socket()
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("127.0.0.1", self.port))
        ls.listen(16)
        self._listener = ls
        self._running = True
        threading.Thread(target=self._accept, args=(ls,), daemon=True).start()

    def stop(self):
        # stop forwarding requests first, let replies already under way come back, then cut everything
        self._running = False
        time.sleep(0.2)
        self._listener.close()
        with self._lock:
            for c in self._conns:
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                c.close()
            self._conns.clear()

    def _accept(self, ls):
        while True:
            try:
                client, _ = ls.accept()
            except OSError:
                return
            if not self._running:
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._conns += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, src, dst, request):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if request and not self._running:
                    continue  # a request during the outage never reaches Redis
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.close()
                except OSError:
                    pass


@pytest.fixture
def redis_proxy(server):
    """A started TcpForwarder in front of the test server's Redis: an emitter given its ``redis_uri``
    sees an outage when the test calls ``stop()`` and Redis back after ``start()``. Stopped at the end."""
    parsed = urllib.parse.urlsplit(server.redis_uri)
    proxy = TcpForwarder(parsed.hostname, parsed.port)
    proxy.redis_uri = f"redis://:{parsed.password}@127.0.0.1:{proxy.port}"
    proxy.start()
    yield proxy
    proxy.stop()


def test_events_from_several_threads_all_arrive_exactly_once(server, stream, tmp_path):
    em = Emitter(redis_uri=server.redis_uri, stream=stream, spill_dir=str(tmp_path))
    per_thread, threads = 2500, 4

    def work(n):
        for i in range(per_thread):
            em.emit({"type": "task", "task_id": f"t{n}-{i}", "custom_metadata": {"thread": n, "i": i}})

    ts = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert em.flush(30)
    st = em.stats()
    em.close()
    got = sent_events(server.redis_uri, stream)
    ids = [e["task_id"] for e in got]
    assert len(ids) == len(set(ids)) == per_thread * threads
    for n in range(threads):  # each thread's events in its order
        mine = [e["custom_metadata"]["i"] for e in got if e["custom_metadata"]["thread"] == n]
        assert mine == list(range(per_thread))
    assert st["emitted"] == st["flushed"] == per_thread * threads
    assert st["buffered"] == st["rejected"] == st["dropped"] == 0
    assert_consistent(st)
    r = redis.Redis.from_url(server.redis_uri)
    assert all(len(json.loads(f[b"event"])) <= 100 for _, f in r.xrange(stream))


def test_a_redis_outage_spills_and_replays_in_order_none_lost_none_twice(
    server, stream, tmp_path, redis_proxy
):
    em = Emitter(
        redis_uri=redis_proxy.redis_uri,
        stream=stream,
        spill_dir=str(tmp_path),
        timeout_s=1.0,
        retry_s=0.2,
    )
    n = 1500
    outage = threading.Timer(0.5, redis_proxy.stop)
    outage.start()
    for i in range(n):
        em.emit({"type": "task", "task_id": f"seq-{i}", "custom_metadata": {"i": i}})
        if i == n // 2:  # half-way, wait until the emitter has noticed the outage
            outage.join()
            em.emit({"type": "task", "task_id": "probe"})
            _wait(lambda: not em.stats()["redis_up"])
        time.sleep(0.001)
    down = em.stats()
    assert down["spilled"] > 0
    redis_proxy.start()
    assert em.flush(30)
    _wait(lambda: em.stats()["replayed"] == em.stats()["spilled"])
    st = em.stats()
    em.close()
    got = [e["task_id"] for e in sent_events(server.redis_uri, stream)]
    want = [f"seq-{i}" for i in range(n)]
    want.insert(n // 2 + 1, "probe")
    assert got == want
    assert st["redis_up"] and st["flushed"] + st["spilled"] == n + 1
    assert_consistent(st)
    assert not list(tmp_path.glob("*.spill.jsonl"))  # replayed files are removed


def test_spill_files_of_a_dead_process_are_replayed_at_start(server, stream, tmp_path):
    dead_port = _closed_port()
    code = (
        "from mida.emitter import Emitter\n"
        f"e = Emitter(redis_uri='redis://127.0.0.1:{dead_port}', stream={stream!r},"
        f" spill_dir={str(tmp_path)!r},"
        " timeout_s=0.5)\n"
        "for i in range(300): e.emit({'type': 'task', 'task_id': f'orphan-{i}'})\n"
    )
    subprocess.run(
        [sys.executable, "-c", code], check=True, env={**os.environ, "PYTHONPATH": SRC}, timeout=60
    )
    assert list(tmp_path.glob("*.spill.jsonl"))
    em = Emitter(redis_uri=server.redis_uri, stream=stream, spill_dir=str(tmp_path))
    em.emit({"type": "task", "task_id": "newer"})
    assert em.flush(30)
    st = em.stats()
    em.close()
    got = [e["task_id"] for e in sent_events(server.redis_uri, stream)]
    assert got == [f"orphan-{i}" for i in range(300)] + ["newer"]
    assert st["replayed"] == 300 and st["flushed"] == 1
    assert not list(tmp_path.glob("*.spill.jsonl"))


def test_events_buffered_at_interpreter_exit_are_flushed(server, stream, tmp_path):
    code = (
        "import mida.emitter as m\n"
        "e = m.get_default()\n"
        "for i in range(200): e.emit({'type': 'task', 'task_id': f'exit-{i}'})\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": SRC,
        "MIDA_REDIS_URI": server.redis_uri,
        "MIDA_STREAM": stream,
        "MIDA_SPILL_DIR": str(tmp_path),
        "MIDA_FLUSH_INTERVAL": "30",
    }
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=60)
    assert sorted(e["task_id"] for e in sent_events(server.redis_uri, stream)) == sorted(
        f"exit-{i}" for i in range(200)
    )


def _child_emits(tag: str, n: int):
    import mida.emitter as m

    for em in list(m._live):
        for i in range(n):
            em.emit({"type": "task", "task_id": f"{tag}-{i}"})
    # no flush: the multiprocessing child's exit does it


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_sends_its_own_events_and_never_the_parents(server, stream, tmp_path):
    em = Emitter(redis_uri=server.redis_uri, stream=stream, spill_dir=str(tmp_path), flush_interval_s=5)
    ctx = multiprocessing.get_context("fork")
    # hold the flusher so the parent's events are certainly still buffered when the children fork
    with em._io_lock:
        for i in range(50):
            em.emit({"type": "task", "task_id": f"parent-{i}"})
        assert em.stats()["buffered"] == 50
        p = ctx.Process(target=_child_emits, args=("mp-child", 20))
        p.start()
        pid = os.fork()
        if pid == 0:  # a bare os.fork child: flushes itself, then leaves without atexit
            try:
                for i in range(10):
                    em.emit({"type": "task", "task_id": f"fork-child-{i}"})
                ok = em.flush(20) and em.stats()["emitted"] == 10
            finally:
                os._exit(0 if ok else 1)
    p.join(60)
    assert p.exitcode == 0
    assert os.waitpid(pid, 0)[1] == 0
    assert em.flush(30)
    st = em.stats()
    em.close()
    got = [e["task_id"] for e in sent_events(server.redis_uri, stream)]
    assert sorted(got) == sorted(
        [f"parent-{i}" for i in range(50)]
        + [f"mp-child-{i}" for i in range(20)]
        + [f"fork-child-{i}" for i in range(10)]
    )
    assert st["emitted"] == st["flushed"] == 50


def test_values_that_are_not_json_are_summarised_never_raised(server, stream, tmp_path):
    np = pytest.importorskip("numpy")
    em = Emitter(redis_uri=server.redis_uri, stream=stream, spill_dir=str(tmp_path))

    class Thing:
        def __repr__(self):
            return "<thing>"

    loop: dict = {}
    loop["self"] = loop
    em.emit(
        {
            "type": "task",
            "task_id": "odd",
            "used": {
                "array": np.zeros((3, 4), dtype="float32"),
                "obj": Thing(),
                "nan": float("nan"),
                "tuple_keys": {(1, 2): "x"},
                "loop": loop,
                "set": {3, 1, 2},
                "np_scalar": np.int64(7),
            },
        }
    )
    em.emit({"type": "task", "task_id": "fine"})
    assert em.flush(30)
    st = em.stats()
    em.close()
    got = {e["task_id"]: e for e in sent_events(server.redis_uri, stream)}
    used = got["odd"]["used"]
    assert used["array"] == {"type": "numpy.ndarray", "shape": [3, 4], "dtype": "float32", "size": 12}
    assert used["obj"]["repr"] == "<thing>"
    # NaN stays a number (sent as the token NaN, kept as a double by the server), never the string "nan"
    assert isinstance(used["nan"], float) and used["nan"] != used["nan"] and used["np_scalar"] == 7
    assert "fine" in got and st["flushed"] == 2 and st["rejected"] == 0


def test_emit_after_close_is_counted_dropped_not_raised(server, stream, tmp_path):
    em = Emitter(redis_uri=server.redis_uri, stream=stream, spill_dir=str(tmp_path))
    em.emit({"type": "task", "task_id": "before"})
    em.close()
    em.emit({"type": "task", "task_id": "after"})
    st = em.stats()
    assert st["flushed"] == 1 and st["dropped"] == 1 and st["emitted"] == 2
    assert_consistent(st)


def test_settings_come_from_the_environment_and_arguments_win(monkeypatch, tmp_path):
    from mida.config import Settings

    monkeypatch.setenv("MIDA_STREAM", "env:stream")
    monkeypatch.setenv("MIDA_FLUSH_INTERVAL", "0.5")
    s = Settings.from_env(flush_interval_s=0.1)
    assert s.stream == "env:stream" and s.flush_interval_s == 0.1
    monkeypatch.setenv("MIDA_MAX_BUFFERED", "lots")
    with pytest.raises(ValueError, match="MIDA_MAX_BUFFERED"):
        Settings.from_env()


def _wait(cond, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_dead_letters_wait_on_disk_while_redis_is_away(server, stream, tmp_path):
    down = Emitter(
        redis_uri=f"redis://127.0.0.1:{_closed_port()}", stream=stream, spill_dir=str(tmp_path), timeout_s=0.5
    )
    down.emit({"type": "task", "task_id": "good"})
    down.emit({"type": "task", "task_id": "bad", "status": "DONE"})
    down.close()
    st = down.stats()
    assert st["rejected"] == 1 and st["spilled"] == 1
    assert_consistent(st)
    assert list(tmp_path.glob("*.dead.jsonl"))
    em = Emitter(redis_uri=server.redis_uri, stream=stream, spill_dir=str(tmp_path))
    assert em.flush(30)
    _wait(lambda: redis.Redis.from_url(server.redis_uri).xlen(stream + ":dead") == 1)
    em.close()
    (letter,) = [f for _, f in redis.Redis.from_url(server.redis_uri).xrange(stream + ":dead")]
    assert b'unknown "status": "DONE"' in letter[b"reason"]
    assert json.loads(letter[b"event"])["task_id"] == "bad"
    assert [e["task_id"] for e in sent_events(server.redis_uri, stream)] == ["good"]
    assert not list(tmp_path.glob("*.jsonl"))


def test_an_event_nested_deeper_than_the_server_reads_is_dead_lettered_alone(server, stream, tmp_path):
    deep: dict = {}
    node = deep
    for _ in range(250):
        node["x"] = {}
        node = node["x"]
    em = Emitter(redis_uri=server.redis_uri, stream=stream, spill_dir=str(tmp_path))
    with em._io_lock:  # the three events in one entry
        em.emit({"type": "task", "task_id": "before"})
        em.emit({"type": "task", "task_id": "deep", "used": deep})
        em.emit({"type": "task", "task_id": "after", "used": {"ok": [[[1]]]}})
    assert em.flush(30)
    st = em.stats()
    em.close()
    assert st["rejected"] == 1 and st["flushed"] == 2
    assert [e["task_id"] for e in sent_events(server.redis_uri, stream)] == ["before", "after"]
    (letter,) = [f for _, f in redis.Redis.from_url(server.redis_uri).xrange(stream + ":dead")]
    assert b"nested deeper than 200" in letter[b"reason"]


def test_a_spill_file_of_a_live_process_is_left_alone_until_it_exits(server, stream, tmp_path):
    code = (
        "import sys\n"
        "from mida.emitter import Emitter\n"
        f"e = Emitter(redis_uri='redis://127.0.0.1:{_closed_port()}', stream={stream!r},"
        f" spill_dir={str(tmp_path)!r}, timeout_s=0.5)\n"
        "for i in range(5): e.emit({'type': 'task', 'task_id': f'live-{i}'})\n"
        "e.flush(); print('spilled', flush=True); sys.stdin.read()\n"
    )
    env = {**os.environ, "PYTHONPATH": SRC}
    with subprocess.Popen(
        [sys.executable, "-c", code], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE
    ) as p:
        assert p.stdout.readline().strip() == b"spilled"
        other = Emitter(redis_uri=server.redis_uri, stream=stream, spill_dir=str(tmp_path))
        assert other.flush(10) and other.stats()["replayed"] == 0  # locked by a live process
        other.close()
        assert len(list(tmp_path.glob("*.spill.jsonl"))) == 1
        p.stdin.close()
        assert p.wait(60) == 0
    later = Emitter(redis_uri=server.redis_uri, stream=stream, spill_dir=str(tmp_path))
    assert later.flush(30)
    _wait(lambda: later.stats()["replayed"] == 5)
    later.close()
    assert [e["task_id"] for e in sent_events(server.redis_uri, stream)] == [f"live-{i}" for i in range(5)]


def test_a_torn_last_line_of_a_spill_file_is_skipped(tmp_path):
    from mida._spill import SpillFile

    f = SpillFile.create(str(tmp_path), "mida-x")
    f.append(
        ['[{"type":"task","task_id":"a"}]', '[{"type":"task","task_id":"b"},{"type":"task","task_id":"c"}]']
    )
    with open(f.path, "a") as torn:
        torn.write('[{"type":"task","task_i')
    lines = f.next(10)
    assert [line.events for line in lines] == [1, 2, 0]
    f.advance(lines[-1].end)
    assert not f.has_pending()
    f.delete()
    assert not list(tmp_path.iterdir())


def test_the_redis_password_never_shows_in_logs_or_reprs(tmp_path):
    from mida.config import Settings

    s = Settings(redis_uri="redis://user:s3cret@example.org:6380/0", spill_dir=str(tmp_path))
    assert "s3cret" not in repr(s) and s.masked_redis_uri == "redis://user:***@example.org:6380/0"
    assert Settings(redis_uri="redis://:pw@h:1").masked_redis_uri == "redis://:***@h:1"
    assert Settings(redis_uri="redis://h:1").masked_redis_uri == "redis://h:1"


def test_an_emitter_without_the_password_is_refused_and_loses_nothing(server, stream, tmp_path, caplog):
    """The embedded Redis requires the password in its data dir (issue 14): a client without it, or
    with a wrong one, is refused; the emitter says why and spills, and one with it replays."""
    parsed = urllib.parse.urlsplit(server.redis_uri)
    with pytest.raises(redis.exceptions.AuthenticationError):
        redis.Redis(host=parsed.hostname, port=parsed.port).xadd(stream, {"event": "[]"})
    for wrong in (f"redis://127.0.0.1:{parsed.port}", f"redis://:guess@127.0.0.1:{parsed.port}"):
        caplog.clear()
        em = Emitter(redis_uri=wrong, stream=stream, spill_dir=str(tmp_path), timeout_s=1.0)
        em.emit({"type": "task", "task_id": f"t-{len(wrong)}"})
        em.close()
        st = em.stats()
        assert st["spilled"] == 1 and st["flushed"] == 0
        assert "refused this emitter's credentials" in caplog.text and "redis/password" in caplog.text
        assert "guess" not in caplog.text
    assert redis.Redis.from_url(server.redis_uri).xlen(stream) == 0
    em = Emitter(redis_uri=server.redis_uri, stream=stream, spill_dir=str(tmp_path))
    assert em.flush(30)
    _wait(lambda: em.stats()["replayed"] == 2)
    em.close()
    assert sorted(e["task_id"] for e in sent_events(server.redis_uri, stream)) == [
        f"t-{len(f'redis://127.0.0.1:{parsed.port}')}",
        f"t-{len(f'redis://:guess@127.0.0.1:{parsed.port}')}",
    ]


def test_the_default_redis_uri_comes_from_the_environment_or_the_data_dirs_password_file(tmp_path):
    from mida.config import DEFAULT_REDIS_URI, default_redis_uri

    assert (
        default_redis_uri({"MIDA_REDIS_URI": "redis://:x@h:1", "MIDA_DATA_DIR": str(tmp_path)})
        == "redis://:x@h:1"
    )
    assert default_redis_uri({"MIDA_DATA_DIR": str(tmp_path)}) == DEFAULT_REDIS_URI
    (tmp_path / "redis").mkdir()
    (tmp_path / "redis" / "password").write_text("p-w_1\n")
    assert default_redis_uri({"MIDA_DATA_DIR": str(tmp_path)}) == "redis://:p-w_1@127.0.0.1:6379"
    assert (
        default_redis_uri({"MIDA_DATA_DIR": str(tmp_path), "MIDA_REDIS_PORT": "7000"})
        == "redis://:p-w_1@127.0.0.1:7000"
    )


# ---------------------------------------------------------------------- deferred events (issue 15)


def test_a_deferred_event_withdrawn_within_the_linger_is_never_sent(server, stream, tmp_path):
    """A task that ends within the linger sends ONE event: its RUNNING is taken back and the end event
    carries its fields; one that outlives the linger sends both; coalesced counts the withdrawn ones."""
    em = Emitter(redis_uri=server.redis_uri, stream=stream, spill_dir=str(tmp_path), linger_s=0.3)
    short = em.emit_deferred({"type": "task", "task_id": "short", "status": "RUNNING", "used": {"x": 1}})
    long = em.emit_deferred({"type": "task", "task_id": "long", "status": "RUNNING", "used": {"x": 2}})
    ev = em.withdraw(short)
    assert ev == {"type": "task", "task_id": "short", "status": "RUNNING", "used": {"x": 1}}
    assert em.withdraw(short) is None  # only once
    ev.update(status="FINISHED", generated={"y": 2})
    em.emit(ev)
    # the long task's RUNNING leaves by itself once its linger is over, without a flush
    _wait(lambda: [e["task_id"] for e in sent_events(server.redis_uri, stream)] == ["short", "long"], 10)
    assert em.withdraw(long) is None  # too late: already on its way
    em.emit({"type": "task", "task_id": "long", "status": "FINISHED"})
    assert em.flush(10)
    got = sent_events(server.redis_uri, stream)
    assert [(e["task_id"], e["status"]) for e in got] == [
        ("short", "FINISHED"),
        ("long", "RUNNING"),
        ("long", "FINISHED"),
    ]
    assert got[0]["used"] == {"x": 1} and got[0]["generated"] == {"y": 2}
    st = em.stats()
    em.close()
    assert st["coalesced"] == 1 and st["emitted"] == 3 and st["deferred"] == 0
    assert_consistent(st)


def test_flush_and_close_send_the_deferred_events_that_wait(server, stream, tmp_path):
    em = Emitter(redis_uri=server.redis_uri, stream=stream, spill_dir=str(tmp_path), linger_s=60)
    h = em.emit_deferred({"type": "task", "task_id": "a", "status": "RUNNING"})
    assert em.stats()["deferred"] == 1
    assert em.flush(10)  # does not wait a minute
    assert [e["task_id"] for e in sent_events(server.redis_uri, stream)] == ["a"]
    assert em.withdraw(h) is None
    em.emit_deferred({"type": "task", "task_id": "b", "status": "RUNNING"})
    em.close(10)
    assert [e["task_id"] for e in sent_events(server.redis_uri, stream)] == ["a", "b"]
    st = em.stats()
    assert st["emitted"] == st["flushed"] == 2 and st["coalesced"] == 0
    # linger 0: emit_deferred is emit, nothing can be withdrawn
    em0 = Emitter(redis_uri=server.redis_uri, stream=stream, spill_dir=str(tmp_path), linger_s=0)
    assert em0.withdraw(em0.emit_deferred({"type": "task", "task_id": "c", "status": "RUNNING"})) is None
    em0.close(10)
    assert [e["task_id"] for e in sent_events(server.redis_uri, stream)] == ["a", "b", "c"]


def test_deferred_events_survive_a_redis_outage_none_lost_none_twice(server, stream, tmp_path, redis_proxy):
    """Tasks of 0–3 ms ending within or after a short linger while Redis goes away and comes back:
    every task's events arrive exactly once (spilled, then replayed), each task has its FINISHED with
    its start fields, and events + coalesced = 2 per task."""
    em = Emitter(
        redis_uri=redis_proxy.redis_uri,
        stream=stream,
        spill_dir=str(tmp_path),
        timeout_s=1.0,
        retry_s=0.2,
        linger_s=0.002,
    )
    n = 600
    outage = threading.Timer(0.3, redis_proxy.stop)
    outage.start()
    for i in range(n):
        h = em.emit_deferred({"type": "task", "task_id": f"t-{i}", "status": "RUNNING", "used": {"i": i}})
        time.sleep((i % 4) * 0.001)
        ev = em.withdraw(h)
        if ev is None:
            ev = {"type": "task", "task_id": f"t-{i}"}
        ev["status"] = "FINISHED"
        em.emit(ev)
        if i == n // 2:
            outage.join()
            _wait(lambda: not em.stats()["redis_up"])
    assert em.stats()["spilled"] > 0
    redis_proxy.start()
    assert em.flush(30)
    _wait(lambda: em.stats()["replayed"] == em.stats()["spilled"])
    st = em.stats()
    em.close()
    got = sent_events(server.redis_uri, stream)
    pairs = [(e["task_id"], e["status"]) for e in got]
    assert len(pairs) == len(set(pairs))  # none twice
    finished = {e["task_id"]: e for e in got if e["status"] == "FINISHED"}
    assert set(finished) == {f"t-{i}" for i in range(n)}  # none lost
    running = {e["task_id"] for e in got if e["status"] == "RUNNING"}
    for tid, e in finished.items():  # the start fields arrive: in the lone FINISHED or the RUNNING
        assert e.get("used") == {"i": int(tid[2:])} or tid in running
    assert st["coalesced"] > 0 and len(got) + st["coalesced"] == 2 * n
    assert st["flushed"] + st["spilled"] == len(got)
    assert_consistent(st)


@pytest.mark.parametrize("one_pass", [True, False])
def test_a_shared_telemetry_snapshot_is_serialised_once_and_arrives_intact(
    server, stream, tmp_path, monkeypatch, one_pass
):
    """Issue 15: every event of the next second carries the same telemetry sample; the flusher encodes
    it once and splices the text into each event. What arrives is what the events held."""
    import mida.emitter as emitter_module
    from mida.telemetry import Snapshot

    snap = Snapshot({"cpu": {"percent": 12.5, "per_core": [10.0, 15.0]}, "sampled_at": 1795000000.25})
    plain = {"cpu": {"percent": 1.0}}
    encoded = []
    real = emitter_module._JSON

    texts = []

    def counting(value):
        encoded.append(value)
        text = real(value)
        texts.append(text)
        return text

    monkeypatch.setattr(emitter_module, "_JSON", counting)
    em = Emitter(redis_uri=server.redis_uri, stream=stream, spill_dir=str(tmp_path), linger_s=0)
    em._one_pass = one_pass
    events = [
        {
            "type": "task",
            "task_id": f"s-{i}",
            "status": "FINISHED",
            "telemetry_at_start": snap,
            "telemetry_at_end": snap,
        }
        for i in range(5)
    ]
    events.append({"type": "task", "task_id": "plain", "telemetry_at_start": plain, "telemetry_at_end": snap})
    events.append({"type": "task", "task_id": "none", "used": {"x": 1}})
    for ev in events:
        em.emit(ev)
    assert em.flush(10)
    em.close()
    got = sent_events(server.redis_uri, stream)
    # the five whose end is the start's snapshot send it once, the end pointing to it (issue 15)
    assert [e["telemetry_at_end"] for e in got[:5]] == ["=telemetry_at_start"] * 5
    # and the four after the first point to its start snapshot: "=[0]"
    assert [e["telemetry_at_start"] for e in got[1:5]] == ["=[0]"] * 4
    decoded = [
        e
        for _, f in redis.Redis.from_url(server.redis_uri).xrange(stream)
        for e in wire.decode(f[b"event"].decode())[0]
    ]
    assert decoded == [
        dict(ev, telemetry_at_start=dict(ev["telemetry_at_start"])) if "telemetry_at_start" in ev else ev
        for ev in events
    ]
    assert sum(1 for v in encoded if type(v) is Snapshot) == 1  # once, for 6 occurrences
    # no other encoder call wrote the snapshot's content: its text was spliced in
    assert sum(t.count('"per_core":[10.0,15.0]') for t in texts) == 1
    # obs18: one encoder call for the whole entry, not one per event
    assert sum(1 for v in encoded if type(v) is not Snapshot) == (1 if one_pass else len(events))


def _raw_entries(redis_uri: str, stream: str) -> list:
    r = redis.Redis.from_url(redis_uri)
    return [f[b"event"] for _, f in r.xrange(stream)]


def test_an_end_telemetry_that_is_the_start_snapshot_is_sent_compact_in_fewer_bytes_and_stored_in_full(
    server, tmp_path
):
    """Issue 15: a short task starts and ends within one telemetry sample, so its FINISHED event holds
    the same Snapshot twice; the emitter sends it once and ``"telemetry_at_end": "=telemetry_at_start"``.
    The server stores and answers the same task as for the full event; only the same Snapshot object
    is compacted, never an equal dict."""
    from mida.telemetry import Snapshot

    snap = Snapshot(
        {
            "cpu": {"percent": 12.5, "per_cpu": [10.0, 15.0, 9.5, 30.0]},
            "memory": {"total": 17179869184, "used": 8589934592, "percent": 50.0},
            "sampled_at": 1795000000.25,
        }
    )
    tag = uuid.uuid4().hex[:8]
    sizes = {}
    r = redis.Redis.from_url(server.redis_uri)
    for compact in (True, False):
        # the same events to a stream nobody reads (the bytes, as Redis holds them) and to the server's
        for stream in (f"ct-bytes-{tag}-{compact}", "mida:events"):
            em = Emitter(
                redis_uri=server.redis_uri,
                stream=stream,
                spill_dir=str(tmp_path / f"{compact}-{stream.replace(':', '_')}"),
                linger_s=0,
                compact_telemetry=compact,
            )
            for i in range(20):
                em.emit(
                    {
                        "type": "task",
                        "task_id": f"ct-{tag}-{compact}-{i}",
                        "workflow_id": f"ct-{tag}",
                        "status": "FINISHED",
                        "started_at": 1795000000.5,
                        "ended_at": 1795000000.501,
                        "telemetry_at_start": snap,
                        # the same snapshot; and an equal dict (not the same object): sent in full
                        "telemetry_at_end": snap if i < 19 else dict(snap),
                    }
                )
            assert em.flush(10)
            assert em.stats()["rejected"] == 0
            em.close()
        raw = [f[b"event"] for _, f in r.xrange(f"ct-bytes-{tag}-{compact}")]
        sizes[compact] = sum(len(x) for x in raw)
        assert b"".join(raw).count(b'"telemetry_at_end":"=telemetry_at_start"') == (19 if compact else 0)
    assert sizes[True] < 0.8 * sizes[False], sizes
    server.wait_ingested()
    for i in (0, 19):
        a = server.get(f"/api/tasks?id=ct-{tag}-True-{i}")
        b = server.get(f"/api/tasks?id=ct-{tag}-False-{i}")
        assert a[0] == 200 and b[0] == 200, (a, b)
        doc_a, doc_b = dict(a[1]), dict(b[1])
        assert doc_a["telemetry_at_end"] == dict(snap) == doc_a["telemetry_at_start"]
        for d in (doc_a, doc_b):
            d.pop("task_id", None)
            d.pop("id", None)
        assert doc_a == doc_b


def test_the_telemetry_sampler_publishes_snapshots():
    from mida.telemetry import Sampler, Snapshot

    s = Sampler(interval_s=0.05).start()
    try:
        assert type(s.latest()) is Snapshot and s.latest()["sampled_at"] > 0
    finally:
        s.close()


def _prepared(em, batch) -> list:
    entries, count = em._prepare(batch)
    return [e for text in entries for e in json.loads(text)], count


def _telemetry_batch(snap, other, with_deep):
    from mida.telemetry import Snapshot

    deep: dict = {"x": 1}
    for _ in range(wire.MAX_NESTING_DEPTH):
        deep = {"d": deep}
    batch = [
        {
            "type": "task",
            "task_id": "a",
            "status": "FINISHED",
            "telemetry_at_start": snap,
            "telemetry_at_end": snap,
        },
        {"type": "task", "task_id": "b", "telemetry_at_start": snap, "telemetry_at_end": other},
        {"type": "task", "task_id": "c", "telemetry_at_end": other, "used": {"n": 1}},
        {"type": "task", "task_id": "d", "used": {"text": "x" + "y" * 3}},
        {"type": "task", "task_id": "e", "telemetry_at_start": Snapshot(), "telemetry_at_end": snap},
        {"type": "task", "task_id": "too-deep", "used": {"deep": deep}, "telemetry_at_start": snap},
        {"type": "task", "task_id": "f", "telemetry_at_start": {"plain": [1, 2]}, "telemetry_at_end": snap},
    ]
    return batch if with_deep else [ev for ev in batch if ev["task_id"] != "too-deep"]


@pytest.mark.parametrize("with_deep", [True, False])
@pytest.mark.parametrize("compact", [True, False])
def test_one_pass_encoding_sends_what_the_event_by_event_encoding_sends(tmp_path, compact, with_deep):
    """Issue 15 (obs18): the entry is encoded by one encoder call with placeholders for the snapshots;
    the events that arrive, the dead letters and the events left behind are those of the event-by-event
    encoding: a snapshot shared or not, an end that is the start (compact or not), an empty snapshot,
    a plain dict, an event nested too deep (refused alone), an event without telemetry."""
    from mida.telemetry import Snapshot

    snap = Snapshot({"cpu": {"percent": 12.5, "per_core": [10.0, 15.0]}, "sampled_at": 1795000000.25})
    other = Snapshot({"cpu": {"percent": 3.0}, "sampled_at": 1795000001.25})
    results = {}
    for one_pass in (True, False):
        em = Emitter(
            redis_uri="redis://127.0.0.1:1",
            spill_dir=str(tmp_path / str(one_pass)),
            linger_s=0,
            compact_telemetry=compact,
        )
        try:
            em._one_pass = one_pass
            batch = _telemetry_batch(snap, other, with_deep)
            before = [dict(ev) for ev in batch]
            results[one_pass] = (_prepared(em, batch), em._rejected)
            # the events are as they were (the placeholders were swapped back)
            assert batch == before and all(
                type(b.get(k)) is type(a.get(k)) for a, b in zip(before, batch) for k in a
            )
        finally:
            em.close(timeout_s=0)
    assert results[True] == results[False]
    (events, count), rejected = results[True]
    assert rejected == (1 if with_deep else 0) and count == 6
    assert [e["task_id"] for e in events] == ["a", "b", "c", "d", "e", "f"]
    # (an entry with a refused event is encoded again without it, in full: as before)
    assert events[0]["telemetry_at_end"] == (
        "=telemetry_at_start" if compact and not with_deep else dict(snap)
    )
    assert events[4].get("telemetry_at_start") in (None, {}) and events[1]["telemetry_at_end"] == dict(other)


@pytest.mark.parametrize("one_pass", [True, False])
@pytest.mark.parametrize("compact", [True, False])
def test_a_start_snapshot_already_sent_in_the_entry_is_sent_as_its_element(tmp_path, compact, one_pass):
    """Issue 15 (obs19): inside one entry, a start telemetry that is the very Snapshot an earlier
    element carries in full is sent as ``"=[k]"``; the server's decoding (``wire.decode``) gives
    back every event in full. Only the same Snapshot object, never an equal dict; off with
    ``compact_telemetry=False``; each entry stands alone."""
    from mida.telemetry import Snapshot

    snap = Snapshot({"cpu": {"percent": 12.5, "per_core": [10.0, 15.0]}, "sampled_at": 1795000000.25})
    other = Snapshot({"cpu": {"percent": 3.0}, "sampled_at": 1795000001.25})
    batch = [
        {"type": "task", "task_id": "a", "status": "RUNNING", "telemetry_at_start": snap},
        {"type": "workflow", "workflow_id": "w"},
        {
            "type": "task",
            "task_id": "b",
            "status": "FINISHED",
            "telemetry_at_start": snap,
            "telemetry_at_end": snap,
        },
        {"type": "task", "task_id": "c", "telemetry_at_end": other},
        {"type": "task", "task_id": "d", "telemetry_at_start": other, "telemetry_at_end": snap},
        {"type": "task", "task_id": "e", "telemetry_at_start": dict(snap)},
        {"type": "task", "task_id": "f", "telemetry_at_start": other, "telemetry_at_end": other},
        {"type": "task", "task_id": "g", "telemetry_at_start": snap},
    ]
    em = Emitter(
        redis_uri="redis://127.0.0.1:1",
        spill_dir=str(tmp_path),
        linger_s=0,
        compact_telemetry=compact,
        events_per_entry=6,
    )
    try:
        em._one_pass = one_pass
        entries, count = em._prepare([dict(ev) for ev in batch])
    finally:
        em.close(timeout_s=0)
    assert count == len(batch) and len(entries) == 2
    sent = [e for text in entries for e in json.loads(text)]
    starts = [
        e.get("telemetry_at_start") if isinstance(e.get("telemetry_at_start"), str) else "full" for e in sent
    ]
    if compact:
        # "d" is the first to carry `other` as its start ("c" has it as its end only); "g" opens a new entry
        assert starts == ["full", "full", "=[0]", "full", "full", "full", "full", "full"]
        assert sent[6]["telemetry_at_end"] == "=telemetry_at_start"
    else:
        assert not any(s.startswith("=") for s in starts if s != "full")
        assert not any("=[" in text for text in entries)
    decoded = []
    for text in entries:
        events, rejected = wire.decode(text)
        assert rejected == []
        decoded += events
    assert decoded == [
        wire.validate({k: dict(v) if isinstance(v, Snapshot) else v for k, v in ev.items()}) for ev in batch
    ]


def test_one_pass_encoding_leaves_a_value_that_looks_like_a_placeholder_alone(tmp_path):
    """A value that holds the placeholder's text is sent as it is (the emitter then encodes the entry
    event by event); its snapshot still arrives."""
    from mida.telemetry import Snapshot

    snap = Snapshot({"cpu": {"percent": 1.5}})
    em = Emitter(redis_uri="redis://127.0.0.1:1", spill_dir=str(tmp_path), linger_s=0)
    try:
        fake = em._placeholder + "0"
        batch = [
            {"type": "task", "task_id": "a", "used": {"s": fake}, "telemetry_at_start": snap},
            {"type": "task", "task_id": "b", "telemetry_at_end": snap, "custom_metadata": {fake: 1}},
        ]
        events, count = _prepared(em, batch)
    finally:
        em.close(timeout_s=0)
    assert count == 2
    assert events[0]["used"] == {"s": fake} and events[0]["telemetry_at_start"] == dict(snap)
    assert events[1]["custom_metadata"] == {fake: 1} and events[1]["telemetry_at_end"] == dict(snap)


def test_one_pass_encoding_falls_back_to_each_event_when_one_cannot_be_encoded(tmp_path):
    """An event the encoder refuses (a key that is not a string, sorted out event by event) does not take
    the others' snapshots with it: they are swapped back before the fallback reads them."""
    from mida.telemetry import Snapshot

    snap = Snapshot({"cpu": {"percent": 1.5}})
    em = Emitter(redis_uri="redis://127.0.0.1:1", spill_dir=str(tmp_path), linger_s=0)
    try:
        batch = [
            {"type": "task", "task_id": "a", "telemetry_at_start": snap, "telemetry_at_end": snap},
            {
                "type": "task",
                "task_id": "b",
                "used": {"k": {(1, 2): "tuple key"}},
                "telemetry_at_start": snap,
            },
        ]
        events, count = _prepared(em, batch)
    finally:
        em.close(timeout_s=0)
    assert events[0]["task_id"] == "a" and events[0]["telemetry_at_start"] == dict(snap)
    assert events[0]["telemetry_at_end"] in (dict(snap), "=telemetry_at_start")
