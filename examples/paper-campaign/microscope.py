"""Workflow 1 of the paper's campaign: an instrument script beside a microscope that only WRITES A LOG.

It "acquires" a few images (small synthetic arrays saved as .npy files) and logs each saved path with
Python's logging to a file. It knows nothing about MIDA: the observer agent's log-file observer tails
the file and turns each record into a task whose generated image is a file:///… entity.

    python microscope.py --out DIR --log FILE --images 6
"""

import argparse
import logging
import os

import numpy as np


def acquire(out: str, n: int, seed: int) -> None:
    log = logging.getLogger("acquire")
    rng = np.random.default_rng(seed)
    for i in range(n):
        dwell = float(rng.uniform(1.0, 3.0))
        # a "scan": a smooth blob whose brightness depends on the dwell time, plus noise
        y, x = np.mgrid[0:32, 0:32]
        image = dwell * np.exp(-((x - 16) ** 2 + (y - 16) ** 2) / 60.0) + rng.normal(
            0, 0.05, (32, 32)
        )
        path = os.path.abspath(os.path.join(out, f"scan_{i:03d}.npy"))
        np.save(path, image.astype(np.float32))
        log.info("scan=%d status=DONE image=%s dwell_time=%.3f", i, path, dwell)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--images", type=int, default=6)
    p.add_argument("--seed", type=int, default=17)
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    logging.basicConfig(
        filename=args.log,
        filemode="w",
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
    )
    acquire(args.out, args.images, args.seed)
    print(f"logged {args.images} images to {args.log}")


if __name__ == "__main__":
    main()
