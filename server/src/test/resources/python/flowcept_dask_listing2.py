"""The paper's Listing 2 under REAL Flowcept's Dask plugin, for FlowceptBridgeIT (issue 11).

    client.register_plugin(FlowceptDaskWorkerAdapter())
    futures = client.map(incr, range(N))          # Listing 2
    doubled = client.map(double, futures)         # + a map over its futures: task-to-task dependencies

in a real LocalCluster (worker processes). Flowcept reads its settings from FLOWCEPT_SETTINGS_PATH
(the test writes it: MQ = the test Redis, adapters.dask, see docs/OBSERVERS.md "Flowcept bridge").
Needs Flowcept 1.0.3 with dask/distributed <= 2024.10.0 (Flowcept's own `dask` extra pin): on
newer Dask the worker's run_spec is a Task object that Flowcept's get_run_spec_data cannot index.

Usage: python flowcept_dask_listing2.py N WORKFLOW_NAME CAMPAIGN_ID
Prints one JSON line last: {"workflow_id", "flowcept", "dask", "sum"}.
"""

import json
import sys

import dask
import flowcept
from dask.distributed import Client, LocalCluster
from flowcept import Flowcept, FlowceptDaskWorkerAdapter


def incr(n):
    return n + 1


def double(x):
    return 2 * x


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    name = sys.argv[2] if len(sys.argv) > 2 else "listing-2"
    campaign = sys.argv[3] if len(sys.argv) > 3 else None
    cluster = LocalCluster(n_workers=2, threads_per_worker=2, processes=True, dashboard_address=":0")
    client = Client(cluster)
    client.register_plugin(FlowceptDaskWorkerAdapter())  # Listing 2, line 4
    # check_safe_stops=False: no key-value DB (Flowcept's "mq-only" profile)
    with Flowcept("dask", dask_client=client, workflow_name=name, campaign_id=campaign, check_safe_stops=False):
        wf = Flowcept.current_workflow_id
        futures = client.map(incr, range(n))
        doubled = client.map(double, futures)
        total = sum(client.gather(doubled))
    client.close()
    cluster.close()  # worker teardown: Flowcept's worker interceptors publish what they buffered
    print(json.dumps({"workflow_id": wf, "flowcept": flowcept.__version__, "dask": dask.__version__, "sum": total}))


if __name__ == "__main__":
    main()
