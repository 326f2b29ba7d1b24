"""Workflow 2 of the paper's campaign: a Dask hyperparameter search that trains small models on the
images Workflow 1 acquired. MIDA's Dask plugin is the only addition (one import, one line).

Each training task takes the image entities as input and returns its model file as an entity, so the
lineage reads image -> train task -> model. Prints the chosen models' paths, best first.

    python train.py --images DIR --out DIR --keep 2
"""

import argparse
import glob
import itertools
import json
import os
from pathlib import Path

import numpy as np
from dask.distributed import Client, LocalCluster

import mida
from mida.dask import MidaDask


def features(image_ref: dict) -> np.ndarray:
    img = np.load(image_ref["@id"][len("file://") :])
    return np.array([img.mean(), img.max(), img.std()])


def train(images: list, lr: float, hidden: int, out_dir: str) -> dict:
    """A tiny model: predict each image's peak from its mean and spread with a one-hidden-layer net."""
    rng = np.random.default_rng(hidden)
    X = np.stack([features(r)[[0, 2]] for r in images])
    y = np.stack([features(r)[1] for r in images])
    w1 = rng.normal(0, 0.5, (2, hidden))
    w2 = rng.normal(0, 0.5, hidden)
    for _ in range(300):
        h = np.tanh(X @ w1)
        err = h @ w2 - y
        w2 -= lr * h.T @ err / len(y)
        w1 -= lr * X.T @ ((err[:, None] * w2) * (1 - h**2)) / len(y)
    loss = float(np.mean((np.tanh(X @ w1) @ w2 - y) ** 2))
    path = os.path.join(out_dir, f"model_lr{lr}_h{hidden}.npz")
    np.savez(path, w1=w1, w2=w2)
    return {"model": mida.entity(Path(path), "model"), "loss": loss}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--images", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--keep", type=int, default=2)
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    images = [
        mida.entity(Path(f), "image")
        for f in sorted(glob.glob(os.path.join(args.images, "*.npy")))
    ]
    if not images:
        raise SystemExit(f"no images in {args.images}: run microscope.py first")
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        with Client(cluster) as client:
            plugin = MidaDask(workflow_name="W2 hyperparameter search")
            client.register_plugin(plugin)
            grid = list(itertools.product([0.01, 0.05, 0.2], [4, 16]))
            futures = [
                client.submit(train, images, lr, hidden, os.path.abspath(args.out))
                for lr, hidden in grid
            ]
            results = client.gather(futures)
    best = sorted(results, key=lambda r: r["loss"])[: args.keep]
    print(f"workflow {plugin.workflow_id}")
    print(json.dumps([r["model"]["@id"] for r in best]))


if __name__ == "__main__":
    main()
