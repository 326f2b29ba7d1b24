"""Flowcept 1.0.3's own consumer (DocumentInserter: Redis pub/sub -> LMDB) timed on a given workload.

Called by `bench/run ingest` (IngestBench) with the very task events its end-to-end phase XADDs, one
stream entry (a JSON array of events) per line of --events. What this does, all with Flowcept's code:

1. writes a Flowcept settings file: MQ = Redis pub/sub on the given Redis (channel "interception"),
   LMDB enabled in --lmdb-dir, MongoDB off, kv_db off, telemetry off, online flush mode, Flowcept's
   default DB buffer (buffer_size 50, insertion_buffer_time_secs from --buffer-secs);
2. starts flowcept's DocumentInserter (check_safe_stops off: no interceptor registers with it);
3. serialises every event as a Flowcept task message ({"type": "task", ...}, msgpack, as
   MQDao._bulk_publish does) BEFORE the clock starts (the producer's cost is not the consumer's);
4. publishes them as Flowcept's interceptors flush their buffer: pipelines of --mq-buffer messages
   (MQ buffer_size, 50 in Flowcept's sample settings), from a separate process, as fast as Redis takes
   them;
5. stops the clock when the inserter has written as many messages to LMDB as were published (counted
   by wrapping LMDBDAO.insert_and_update_many_tasks, which is Flowcept's flush function), or when no
   message was written for --quiet-secs (then the missing ones were lost: Redis drops a pub/sub
   subscriber whose output buffer overflows, and Flowcept does not notice);
6. prints ONE JSON line: messages published/stored, distinct tasks in LMDB, seconds, msgs/s, CPU s
   of the consumer process.

Only the counting wrapper is ours; the settings keys are Flowcept 1.0.3's (flowcept/configs.py).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sys
import tempfile
import threading
import time
from pathlib import Path


def write_settings(path: Path, host: str, port: int, password: str | None, lmdb_dir: Path,
                   buffer_secs: float, db_buffer: int) -> None:
    pw = f", password: {json.dumps(password)}" if password else ""
    path.write_text(f"""\
project:
  debug: false
  json_serializer: default
  replace_non_json_serializable: true
  performance_logging: false
  enrich_messages: false
  db_flush_mode: online
  dump_buffer: {{enabled: false}}
log: {{log_path: "{path.parent / 'flowcept.log'}", log_file_level: disable, log_stream_level: error}}
telemetry_capture: {{gpu: ~, cpu: false, per_cpu: false, process_info: false, mem: false, disk: false,
                    network: false, machine_info: false}}
instrumentation: {{enabled: false}}
experiment: {{user: bench}}
mq: {{enabled: true, type: redis, host: {host}, port: {port}{pw}, channel: interception,
     buffer_size: 50, insertion_buffer_time_secs: 5, timing: false, chunk_size: -1, same_as_kvdb: false}}
kv_db: {{enabled: false, host: {host}, port: {port}{pw}}}
db_buffer: {{buffer_size: {db_buffer}, insertion_buffer_time_secs: {buffer_secs}, remove_empty_fields: false}}
databases: {{lmdb: {{enabled: true, path: "{lmdb_dir}"}}, mongodb: {{enabled: false}}}}
""")


def publisher(host: str, port: int, password: str | None, payloads: list, chunk: int, go, done) -> None:
    """Publishes the pre-serialised messages as Flowcept's MQDaoRedis._bulk_publish does."""
    import redis

    r = redis.Redis(host=host, port=port, password=password)
    go.wait()
    for i in range(0, len(payloads), chunk):
        pipe = r.pipeline(transaction=False)
        for m in payloads[i:i + chunk]:
            pipe.publish("interception", m)
        pipe.execute()
    done.set()


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--events", required=True, help="one JSON array of task events per line")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--password", default=os.environ.get("MIDA_BENCH_REDIS_PASSWORD"))
    p.add_argument("--mq-buffer", type=int, default=50, help="messages per publish pipeline (MQ buffer_size)")
    p.add_argument("--db-buffer", type=int, default=50, help="Flowcept's db_buffer.buffer_size")
    p.add_argument("--buffer-secs", type=float, default=1.0, help="db_buffer.insertion_buffer_time_secs")
    p.add_argument("--quiet-secs", type=float, default=10.0)
    p.add_argument("--timeout-secs", type=float, default=600.0)
    args = p.parse_args()

    work = Path(tempfile.mkdtemp(prefix="flowcept-consumer-"))
    settings = work / "settings.yaml"
    write_settings(settings, args.host, args.port, args.password, work / "lmdb", args.buffer_secs, args.db_buffer)
    os.environ["FLOWCEPT_SETTINGS_PATH"] = str(settings)

    import msgpack  # Flowcept's serializer for the MQ

    payloads = []
    tasks = set()
    with open(args.events) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            for ev in json.loads(line):
                ev["type"] = "task"
                tasks.add(ev["task_id"])
                payloads.append(msgpack.dumps(ev))

    from flowcept.commons.daos.docdb_dao.lmdb_dao import LMDBDAO
    from flowcept.flowceptor.consumers.document_inserter import DocumentInserter

    stored = [0]
    lock = threading.Lock()
    original = LMDBDAO.insert_and_update_many_tasks

    def counting(self, docs, indexing_key=None):
        ok = original(self, docs, indexing_key)
        if ok:
            with lock:
                stored[0] += len(docs)
        return ok

    LMDBDAO.insert_and_update_many_tasks = counting

    inserter = DocumentInserter(check_safe_stops=False).start()
    time.sleep(1.0)  # the subscription is made in start(); let it settle

    ctx = mp.get_context("fork")
    go, done = ctx.Event(), ctx.Event()
    pub = ctx.Process(target=publisher,
                      args=(args.host, args.port, args.password, payloads, args.mq_buffer, go, done))
    pub.start()
    cpu0 = time.process_time()
    t0 = time.monotonic()
    go.set()
    last_n, last_change = 0, t0
    while True:
        time.sleep(0.02)
        now = time.monotonic()
        n = stored[0]
        if n != last_n:
            last_n, last_change = n, now
        if n >= len(payloads):
            break
        if done.is_set() and now - last_change > args.quiet_secs:
            break
        if now - t0 > args.timeout_secs:
            break
    t1 = last_change if stored[0] < len(payloads) else time.monotonic()
    cpu1 = time.process_time()
    t_pub = None
    pub.join(timeout=60)

    dao = LMDBDAO()
    try:
        in_lmdb = dao.count_tasks()
    except Exception:  # noqa: BLE001 - a count is only informative
        in_lmdb = -1
    out = {
        "flowcept_version": __import__("flowcept").__version__,
        "flowcept_messages_published": len(payloads),
        "flowcept_messages_stored": stored[0],
        "flowcept_messages_lost": len(payloads) - stored[0],
        "flowcept_tasks_sent": len(tasks),
        "flowcept_tasks_in_lmdb": in_lmdb,
        "flowcept_seconds": round(t1 - t0, 2),
        "flowcept_stored_msgs_per_s": round(stored[0] / max(1e-9, t1 - t0), 0),
        "flowcept_consumer_cpu_seconds": round(cpu1 - cpu0, 2),
        "flowcept_db_buffer": args.db_buffer,
        "flowcept_mq_buffer": args.mq_buffer,
    }
    del t_pub
    print(json.dumps(out), flush=True)
    os._exit(0)  # Flowcept's buffer threads are not daemons


if __name__ == "__main__":
    sys.exit(main())
