"""Workflow 3 of the paper's campaign: an MLflow evaluation of the models Workflow 2 chose.

Plain MLflow code: one run per model, the model's file URI as a parameter, the error as a metric and a
plot as an artifact. MIDA's MLflow observer (in the observer agent) reads MLflow's tracking database;
this script does not know about MIDA at all.

    python evaluate.py --tracking-uri sqlite:///DIR/mlflow.db --images DIR --plots DIR MODEL_URI...
"""

import argparse
import glob
import os

import mlflow
import numpy as np


def svg_plot(path: str, truth: np.ndarray, pred: np.ndarray) -> None:
    """A scatter plot of predicted against true peaks, as a small SVG file."""
    lo, hi = float(min(truth.min(), pred.min())), float(max(truth.max(), pred.max()))
    scale = 180.0 / ((hi - lo) or 1.0)
    dots = "".join(
        f'<circle cx="{10 + (t - lo) * scale:.1f}" cy="{190 - (p - lo) * scale:.1f}" r="3"/>'
        for t, p in zip(truth, pred)
    )
    with open(path, "w") as f:
        f.write(
            '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200">'
            '<line x1="10" y1="190" x2="190" y2="10" stroke="grey"/>' + dots + "</svg>"
        )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tracking-uri", required=True)
    p.add_argument("--images", required=True)
    p.add_argument("--plots", required=True)
    p.add_argument("--campaign", default=os.environ.get("MIDA_CAMPAIGN_ID"))
    p.add_argument("models", nargs="+", help="file:// URIs of the models to evaluate")
    args = p.parse_args()
    os.makedirs(args.plots, exist_ok=True)
    images = [np.load(f) for f in sorted(glob.glob(os.path.join(args.images, "*.npy")))]
    X = np.array([[im.mean(), im.std()] for im in images])
    y = np.array([im.max() for im in images])

    mlflow.set_tracking_uri(args.tracking_uri)
    tags = {"mida.campaign_id": args.campaign} if args.campaign else {}
    mlflow.set_experiment("W3 model evaluation")
    if tags:
        mlflow.set_experiment_tags(tags)
    for uri in args.models:
        path = uri[len("file://") :] if uri.startswith("file://") else uri
        name = os.path.splitext(os.path.basename(path))[0]
        with mlflow.start_run(run_name=f"evaluate {name}"):
            weights = np.load(path)
            pred = np.tanh(X @ weights["w1"]) @ weights["w2"]
            rmse = float(np.sqrt(np.mean((pred - y) ** 2)))
            mlflow.log_param("model", uri)
            mlflow.log_metric("rmse", rmse)
            plot = os.path.join(args.plots, f"{name}_scatter.svg")
            svg_plot(plot, y, pred)
            mlflow.log_artifact(plot)
            print(f"evaluated {uri}: rmse {rmse:.4f}")


if __name__ == "__main__":
    main()
