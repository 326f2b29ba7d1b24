"""examples/paper-campaign/run end to end (small sizes): the paper's Fig. 3 campaign, W1 a script that
only logs (the agent's log-file observer), W2 a Dask search (MIDA's Dask plugin), W3 an MLflow
evaluation (the agent's MLflow observer), all in one campaign with no hand-written events."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("distributed")
pytest.importorskip("mlflow")
pytest.importorskip("numpy")

from mida.client import Client  # noqa: E402

REPO = Path(__file__).resolve().parents[3]
RUN = REPO / "examples" / "paper-campaign" / "run"
AGENT = REPO / "observers" / "target" / "mida-observer.jar"


def test_the_paper_campaign_runs_end_to_end_and_its_lineage_crosses_the_three_workflows(server, tmp_path):
    if not AGENT.exists():
        pytest.fail(f"{AGENT} is missing: build it first (mvn -B -q -DskipTests package)")
    env = dict(
        os.environ,
        MIDA_URL=server.url,
        MIDA_REDIS_URI=server.redis_uri,
        MIDA_PYTHON=sys.executable,
        PAPER_WORK_DIR=str(tmp_path / "work"),
        PAPER_IMAGES="4",
        PAPER_KEEP="2",
    )
    env.pop("MIDA_CAMPAIGN_ID", None)
    done = subprocess.run([str(RUN)], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-6000:]
    campaign = done.stdout.strip().splitlines()[-1]
    assert campaign.startswith("paper-campaign-")

    with Client(server.url) as api:
        names = sorted(w["name"] for w in api.workflows(campaign_id=campaign))
        assert names == ["W1 microscope acquisition", "W2 hyperparameter search", "W3 model evaluation"]
        by_name = {w["name"]: w["workflow_id"] for w in api.workflows(campaign_id=campaign)}
        feeds = {(e["source"], e["target"]) for e in api.workflow_lineage(campaign_id=campaign)["edges"]}
        assert (by_name["W3 model evaluation"], by_name["W2 hyperparameter search"]) in feeds
        assert (by_name["W2 hyperparameter search"], by_name["W1 microscope acquisition"]) in feeds

        plots = api.cypher(
            # a plot is an entity generated once, or a version of one
            "MATCH (e)-[:WAS_GENERATED_BY]->(t:Task {workflow_id: $wf}) "
            "WITH DISTINCT coalesce(e.entity_id, e.id) AS id WHERE right(id, 4) = '.svg' "
            "RETURN id",
            wf=by_name["W3 model evaluation"],
        )
        assert len(plots) == 2
        up = api.lineage(plots[0]["id"], direction="upstream", depth=20, limit=5000)
        entities = {n.get("entity_id") or n["id"] for n in up["nodes"]}  # a version as its entity
        scans = {e for e in entities if e.endswith(".npy")}
        assert scans == {(tmp_path / "work" / "images" / f"scan_{i:03d}.npy").as_uri() for i in range(4)}

        kinds = sorted(o["kind"] for o in api.observers() if o.get("campaign_id") == campaign)
        assert kinds == ["dask", "logfile", "mlflow"]
        assert all(
            o["counters"].get("rejected", 0) == 0 and o["counters"].get("dropped", 0) == 0
            for o in api.observers()
            if o.get("campaign_id") == campaign
        )
