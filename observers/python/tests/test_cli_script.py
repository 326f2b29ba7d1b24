"""The ``mida`` console script as a user gets it: the package installed into a fresh venv by pip
(``[project.scripts]`` in pyproject.toml, built by its build backend), then ``mida dead-letters list``
and ``replay`` run as a program against a real server. The other tests import ``mida.cli`` from
``src/``; this one catches a wrong entry point, a module missing from the built package or a script
that cannot import its dependencies."""

import json
import os
import subprocess
import sys
import sysconfig
import time
import uuid
from pathlib import Path

import pytest
import redis

PACKAGE = Path(__file__).resolve().parents[1]


def _installed_script(tmp_path: Path) -> Path:
    pytest.importorskip(
        "hatchling", reason="the build backend (pinned in .ci/run) builds the package offline"
    )
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # the venv sees this interpreter's packages (pip, hatchling, httpx, redis), as
    # --system-site-packages would from a system Python; `mida` itself is not among them
    peers = [p for p in sys.path if p.endswith("site-packages")] + [sysconfig.get_paths()["purelib"]]
    Path(purelib, "_mida_test_peers.pth").write_text("\n".join(dict.fromkeys(peers)) + "\n")
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            str(PACKAGE),
        ],
        check=True,
        cwd=tmp_path,
    )
    script = venv / ("Scripts/mida.exe" if os.name == "nt" else "bin/mida")
    assert script.exists(), f"pip did not install the console script {script}"
    return script


def _run(script: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MIDA_SERVER", "MIDA_API_TOKEN")}
    return subprocess.run([str(script), *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120)


def test_the_installed_mida_script_lists_and_replays_dead_letters(server, tmp_path):
    script = _installed_script(tmp_path)
    # the package the script runs is the installed copy, not src/
    where = _run(script.parent / "python", "-c", "import mida.cli; print(mida.cli.__file__)", cwd=tmp_path)
    assert where.returncode == 0, where.stderr
    assert str(tmp_path) in where.stdout and "/src/" not in where.stdout

    helped = _run(script, "--help", cwd=tmp_path)
    assert helped.returncode == 0, helped.stderr
    assert "dead-letters" in helped.stdout

    marker = f"cli-script-{uuid.uuid4().hex}"
    r = redis.Redis.from_url(server.redis_uri)
    r.xadd("mida:events", {"event": json.dumps({"type": "task", "workflow_id": marker})})  # no task_id

    def ours():
        listed = _run(
            script, "--server", server.url, "dead-letters", "list", "--limit", "1000", "--json", cwd=tmp_path
        )
        assert listed.returncode == 0, listed.stderr
        return [x for x in json.loads(listed.stdout)["letters"] if marker in json.dumps(x)]

    deadline = time.time() + 60
    found = ours()
    while not found and time.time() < deadline:
        time.sleep(0.2)
        found = ours()
    assert found, f"the dead letter of {marker} was not listed"
    letter_id = found[0]["id"]

    plain = _run(script, "--server", server.url, "dead-letters", "list", cwd=tmp_path)
    assert plain.returncode == 0, plain.stderr
    assert letter_id in plain.stdout

    replayed = _run(script, "--server", server.url, "dead-letters", "replay", "--id", letter_id, cwd=tmp_path)
    assert replayed.returncode == 0, replayed.stderr
    assert f"{letter_id} -> " in replayed.stdout and "replayed 1" in replayed.stdout

    # a usage error is the script's exit status 2, a server it cannot reach 1
    usage = _run(script, "--server", server.url, "dead-letters", "replay", cwd=tmp_path)
    assert usage.returncode == 2
    unreachable = _run(script, "--server", "http://127.0.0.1:9", "dead-letters", "list", cwd=tmp_path)
    assert unreachable.returncode == 1, unreachable.stdout + unreachable.stderr
