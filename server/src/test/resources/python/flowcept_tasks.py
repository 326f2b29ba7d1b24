"""Runs a tiny workflow instrumented with REAL Flowcept, for FlowceptBridgeIT (issue 3).

Flowcept is pointed at the test Redis through its environment variables (the test sets them):
MQ_ENABLED=true, MQ_TYPE=redis, MQ_HOST, MQ_PORT, MQ_CHANNEL, DB_FLUSH_MODE=offline (tasks are
buffered and bulk-published to the MQ when the workflow ends), DUMP_BUFFER=false, and
FLOWCEPT_SETTINGS_PATH pointing at no file (Flowcept's built-in defaults, whatever ~/.flowcept holds).
Prints one JSON line last: {"workflow_id": ..., "flowcept": <version>}.
"""

import json

import flowcept
from flowcept import Flowcept, flowcept_task


@flowcept_task
def preprocess(path, scale=2):
    return {"clean": path + ".clean", "n": 10 * scale}


@flowcept_task
def train(clean, lr=0.1):
    return {"loss": 0.25}


@flowcept_task
def boom(x):
    raise ValueError("bad input %s" % x)


def main():
    # check_safe_stops=False: no key-value DB (Flowcept's "mq-only" profile)
    with Flowcept(workflow_name="mida-flowcept-it", campaign_id="fc-camp", check_safe_stops=False):
        wf = Flowcept.current_workflow_id
        r = preprocess("scan.h5")
        train(r["clean"], lr=0.01)
        try:
            boom(1)
        except ValueError:
            pass
    print(json.dumps({"workflow_id": wf, "flowcept": flowcept.__version__}))


if __name__ == "__main__":
    main()
