"""A microscope-like script that only logs (the paper's Workflow 1), for LogFileIT (issue 11).

Usage: python microscope_log.py LOG_FILE IMAGE_DIR N [--fresh]
Writes N tiny "images" into IMAGE_DIR (relative to the working directory) and logs, with Python's
logging to LOG_FILE (rewritten: filemode "w"; --fresh deletes the file first, so it is a new file):
    <asctime> INFO session start
    <asctime> INFO START image=<i> exposure_ms=<ms> stage_x=<x>
    <asctime> INFO DONE image=<i> exposure_ms=<ms> stage_x=<x> file=<IMAGE_DIR>/img_<i>.png
and one broken record (DONE image=… with nothing else), which the observer must refuse.
"""

import logging
import os
import sys


def main():
    log_file, image_dir, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if "--fresh" in sys.argv and os.path.exists(log_file):
        os.remove(log_file)
    logging.basicConfig(
        filename=log_file, filemode="w", level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s"
    )
    log = logging.getLogger("microscope")
    os.makedirs(image_dir, exist_ok=True)
    log.info("session start")
    for i in range(n):
        exposure, x = 10.0 + i, 0.5 * i
        log.info("START image=%d exposure_ms=%.1f stage_x=%.2f", i, exposure, x)
        path = os.path.join(image_dir, "img_%03d.png" % i)
        with open(path, "wb") as f:
            f.write(b"\x89PNG\r\n\x1a\n" + bytes([i % 256]))
        log.info("DONE image=%d exposure_ms=%.1f stage_x=%.2f file=%s", i, exposure, x, path)
    log.info("DONE image=%d", n)  # broken: no exposure, no file
    logging.shutdown()


if __name__ == "__main__":
    main()
