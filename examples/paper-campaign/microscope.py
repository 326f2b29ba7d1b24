"""Workflow 1 of the paper's campaign: an instrument script beside a microscope that only LOGS.

It "acquires" a few images (small synthetic arrays saved as .npy files) and logs each saved path with
Python's logging; MIDA's logging handler turns those records into tasks whose generated images are
file:///… entities. Nothing else in the script knows about MIDA.

    python microscope.py --out DIR --images 6        (MIDA_REDIS_URI, MIDA_CAMPAIGN_ID from the environment)
"""

import argparse
import logging
import os

import numpy as np

import mida
import mida.logging


def acquire(out: str, n: int, seed: int) -> None:
    log = logging.getLogger("acquire")
    rng = np.random.default_rng(seed)
    for i in range(n):
        dwell = float(rng.uniform(1.0, 3.0))
        # a "scan": a smooth blob whose brightness depends on the dwell time, plus noise
        y, x = np.mgrid[0:32, 0:32]
        image = dwell * np.exp(-((x - 16) ** 2 + (y - 16) ** 2) / 60.0) + rng.normal(0, 0.05, (32, 32))
        path = os.path.join(out, f"scan_{i:03d}.npy")
        np.save(path, image.astype(np.float32))
        log.info("saved image", extra={"image_path": path, "dwell_time": round(dwell, 3), "scan": i})


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True)
    p.add_argument("--images", type=int, default=6)
    p.add_argument("--seed", type=int, default=17)
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("acquire").addHandler(
        mida.logging.Handler(
            fields=["image_path", "dwell_time", "scan"], entity_fields={"image_path": "image"}
        )
    )
    with mida.workflow(name="W1 microscope acquisition") as wf:
        acquire(args.out, args.images, args.seed)
    print(f"workflow {wf.workflow_id}")


if __name__ == "__main__":
    main()
