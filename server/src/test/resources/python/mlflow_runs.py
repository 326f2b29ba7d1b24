"""Logs MLflow runs into a SQLite backend store, for MlflowObserverIT (issue 3).

    python mlflow_runs.py <tracking-uri> <state.json> phase1|phase2

phase1: experiment "mida-exp-a": "train-ok" (FINISHED; params, a 3-step loss, tags, an artifact),
        "train-fail" (FAILED), "train-long" (left RUNNING after 3 steps);
        experiment "mida-exp-b": "killed" (KILLED) and "queued" (SCHEDULED).
phase2: "train-long" logs steps 3..5 and a new param, then FINISHED; "queued" runs and FINISHES.
The run ids go to <state.json> so phase2 and the test can find them.
"""

import json
import os
import sys
import tempfile

import mlflow
from mlflow.tracking import MlflowClient


def phase1(client, state):
    mlflow.set_experiment("mida-exp-a")
    with mlflow.start_run(run_name="train-ok") as run:
        mlflow.log_params({"lr": "0.01", "layers": 64, "optimizer": "adam", "eps": "1e-3", "zip": "007"})
        for step, loss in enumerate([0.9, 0.5, 0.25]):
            mlflow.log_metric("loss", loss, step=step)
        mlflow.log_metric("accuracy", 0.875, step=2)
        mlflow.set_tags({"team": "vision", "mlflow.note.content": "baseline"})
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "model.txt")
            with open(path, "w") as f:
                f.write("weights")
            mlflow.log_artifact(path)
        state["ok"] = run.info.run_id
        state["ok_artifact_uri"] = run.info.artifact_uri

    with mlflow.start_run(run_name="train-fail") as run:
        mlflow.log_param("lr", "10")
        mlflow.log_metric("loss", 1e6, step=0)
        state["fail"] = run.info.run_id
        mlflow.end_run(status="FAILED")

    exp_a = client.get_experiment_by_name("mida-exp-a").experiment_id
    long_run = client.create_run(exp_a, run_name="train-long", tags={"mlflow.user": "alice"})
    rid = long_run.info.run_id
    client.log_param(rid, "batch", "32")
    for step in range(3):
        client.log_metric(rid, "loss", 1.0 / (step + 1), step=step)
    state["long"] = rid
    state["exp_a"] = exp_a

    exp_b = client.create_experiment("mida-exp-b")
    killed = client.create_run(exp_b, run_name="killed")
    client.log_param(killed.info.run_id, "seed", "7")
    client.set_terminated(killed.info.run_id, status="KILLED")
    state["killed"] = killed.info.run_id
    queued = client.create_run(exp_b, run_name="queued")
    client.update_run(queued.info.run_id, status="SCHEDULED")
    state["queued"] = queued.info.run_id
    state["exp_b"] = exp_b


def phase2(client, state):
    rid = state["long"]
    for step in range(3, 6):
        client.log_metric(rid, "loss", 1.0 / (step + 1), step=step)
    client.log_param(rid, "resumed", "true")
    client.set_terminated(rid, status="FINISHED")
    q = state["queued"]
    client.update_run(q, status="RUNNING")
    client.log_metric(q, "throughput", 123.5, step=0)
    client.set_terminated(q, status="FINISHED")


def main():
    uri, state_path, phase = sys.argv[1], sys.argv[2], sys.argv[3]
    mlflow.set_tracking_uri(uri)
    client = MlflowClient(tracking_uri=uri)
    state = {}
    if os.path.exists(state_path):
        with open(state_path) as f:
            state = json.load(f)
    {"phase1": phase1, "phase2": phase2}[phase](client, state)
    with open(state_path, "w") as f:
        json.dump(state, f)
    print("mlflow", mlflow.__version__, phase, "done")


if __name__ == "__main__":
    main()
