"""A real MIDA server (the jar built by Maven, embedded Neo4j and Redis) for the whole test session."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
WIRE = REPO / "event" / "src" / "test" / "resources" / "wire"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class Server:
    url: str
    redis_uri: str
    stream: str = "mida:events"

    def get(self, path: str):
        """GET path → (status, parsed JSON or text)."""
        try:
            with urllib.request.urlopen(self.url + path, timeout=30) as r:
                body = r.read().decode()
                status = r.status
        except urllib.error.HTTPError as e:
            body, status = e.read().decode(), e.code
        try:
            return status, json.loads(body)
        except ValueError:
            return status, body

    def wait_for(self, what: str, condition, timeout: float = 60.0):
        deadline = time.monotonic() + timeout
        while True:
            value = condition()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout} s waiting for {what}")
            time.sleep(0.1)

    def wait_ingested(self, timeout: float = 60.0):
        """Until the stream holds nothing the server has not committed."""
        self.wait_for(
            "the stream to be ingested", lambda: self.get("/api/health")[1].get("pending") == 0, timeout
        )


def start_server(*extra_args: str):
    """Starts the server jar on free ports with a fresh data dir; yields the Server, then stops it."""
    jar = Path(os.environ.get("MIDA_TEST_SERVER_JAR", REPO / "server" / "target" / "mida-server.jar"))
    if not jar.exists():
        pytest.fail(f"{jar} is missing: build it first (mvn -B -q -DskipTests package)")
    data = Path(tempfile.mkdtemp(prefix="mida-pytest-"))
    http, bolt, redis_port = _free_port(), _free_port(), _free_port()
    log = open(data / "server.log", "w")
    proc = subprocess.Popen(
        [
            "java",
            "-jar",
            str(jar),
            "--port",
            str(http),
            "--bolt-port",
            str(bolt),
            "--redis-port",
            str(redis_port),
            "--data-dir",
            str(data / "store"),
            *extra_args,
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    srv = Server(url=f"http://127.0.0.1:{http}", redis_uri=f"redis://127.0.0.1:{redis_port}")
    try:

        def healthy():
            if proc.poll() is not None:
                raise AssertionError(f"the server exited ({proc.returncode}); see {data / 'server.log'}")
            try:
                return srv.get("/api/health")[0] == 200
            except OSError:
                return False

        srv.wait_for("the server to be healthy", healthy, timeout=120)
        # the embedded Redis requires the password the server generated in its data dir: found
        # the way observers find it by default
        from mida.config import default_redis_uri

        uri = default_redis_uri({"MIDA_DATA_DIR": str(data / "store"), "MIDA_REDIS_PORT": str(redis_port)})
        assert "@" in uri, f"no password file in {data / 'store' / 'redis'}"
        srv = dataclasses.replace(srv, redis_uri=uri)
        yield srv
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture(scope="session")
def server() -> Server:
    yield from start_server()
