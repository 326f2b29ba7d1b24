"""Logs MLflow runs with lineage (datasets, nested runs, data params, logged models, artifacts, campaign
tags) for MlflowLineageIT (issue 11).

    python mlflow_lineage.py <tracking-uri> <state.json> <data-dir> phase1|phase2

phase1, experiment "mida-lineage" (tag mida.campaign_id=camp-exp):
  "search" (parent): log_input of a pandas dataset read from <data-dir>/train.csv (context training), of
      a pandas dataset without a source (context eval), and through the client of a dataset with an s3
      source and a schema (context training); params input_path=<abs train.csv>, data_uri=s3://…,
      endpoint=http://… (no data), manifest=manifest.txt (data only when listed in the settings), lr.
  "train-child" (nested in "search", tag mida.campaign_id=camp-run): pyfunc.log_model("model") and
      log_text("notes/readme.txt"); then, after the run ended, a logged model "late" initialized for it
      (PENDING).
  "evaluate": param model_uri=models:/<model>; a metric logged for that model (a RUN_INPUT of the model).
experiment "mida-plain" (no campaign tag): "plain" with one param, "broken" (empty).
phase2: the "late" model is finalized READY (the run ended long before).
The ids go to <state.json>.
"""

import json
import os
import sys

import mlflow
import pandas as pd
from mlflow.entities import Dataset, DatasetInput, InputTag
from mlflow.tracking import MlflowClient
from mlflow.types import ColSpec, Schema


class Echo(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input):
        return model_input


def phase1(client, state, data_dir):
    df = pd.DataFrame({"x": [1, 2, 3, 4], "y": [0.5, 1.5, 2.5, 3.5]})
    train_csv = os.path.join(os.path.abspath(data_dir), "train.csv")
    df.to_csv(train_csv, index=False)
    state["train_csv"] = train_csv

    exp = mlflow.set_experiment("mida-lineage")
    client.set_experiment_tag(exp.experiment_id, "mida.campaign_id", "camp-exp")
    state["exp"] = exp.experiment_id
    with mlflow.start_run(run_name="search") as parent:
        train = mlflow.data.from_pandas(pd.read_csv(train_csv), source=train_csv, name="train")
        mlflow.log_input(train, context="training")
        holdout = mlflow.data.from_pandas(df.head(2), name="holdout")
        mlflow.log_input(holdout, context="eval")
        schema = Schema([ColSpec("long", "x"), ColSpec("double", "y")])
        features = Dataset(
            name="features",
            digest="f00dfeed",
            source_type="s3",
            source=json.dumps({"uri": "s3://mida-bucket/features.parquet"}),
            schema=json.dumps({"mlflow_colspec": schema.to_dict()}),
            profile=json.dumps({"num_rows": 4}),
        )
        client.log_inputs(
            parent.info.run_id,
            datasets=[DatasetInput(features, tags=[InputTag("mlflow.data.context", "training")])],
        )
        mlflow.log_params(
            {
                "input_path": train_csv,
                "data_uri": "s3://mida-bucket/raw/",
                "endpoint": "http://example.org/api",
                "manifest": "manifest.txt",
                "lr": "0.1",
            }
        )
        state["search"] = parent.info.run_id
        state["train_digest"] = train.digest
        state["holdout_digest"] = holdout.digest
        with mlflow.start_run(run_name="train-child", nested=True) as child:
            mlflow.set_tag("mida.campaign_id", "camp-run")
            info = mlflow.pyfunc.log_model(name="model", python_model=Echo())
            mlflow.log_text("weights are fine", "notes/readme.txt")
            state["child"] = child.info.run_id
            state["child_artifact_uri"] = child.info.artifact_uri
            state["model"] = info.model_id
    late = mlflow.initialize_logged_model(name="late", source_run_id=state["child"], model_type="echo")
    state["late"] = late.model_id

    with mlflow.start_run(run_name="evaluate") as ev:
        mlflow.log_param("model_uri", f"models:/{state['model']}")
        mlflow.log_metric("accuracy", 0.75, model_id=state["model"])
        state["evaluate"] = ev.info.run_id

    other = mlflow.set_experiment("mida-plain")
    state["plain_exp"] = other.experiment_id
    with mlflow.start_run(run_name="plain") as plain:
        mlflow.log_param("seed", "3")
        state["plain"] = plain.info.run_id
    with mlflow.start_run(run_name="broken") as broken:  # the test gives it an impossible start time
        state["broken"] = broken.info.run_id


def phase2(client, state, data_dir):
    mlflow.finalize_logged_model(state["late"], "READY")


def main():
    uri, state_path, data_dir, phase = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
    mlflow.set_tracking_uri(uri)
    client = MlflowClient(tracking_uri=uri)
    state = {}
    if os.path.exists(state_path):
        with open(state_path) as f:
            state = json.load(f)
    {"phase1": phase1, "phase2": phase2}[phase](client, state, data_dir)
    with open(state_path, "w") as f:
        json.dump(state, f)
    print("mlflow", mlflow.__version__, phase, "done")


if __name__ == "__main__":
    main()
