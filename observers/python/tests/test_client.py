"""mida.Client against the real server: every method, Listing 1, errors as the server words them."""

from __future__ import annotations

import json
import uuid
from urllib.parse import unquote

import httpx
import pytest

import mida
from mida.client import Client, MidaError, NotFound

T0 = 1_732_400_000.0
# ids full of the characters that break paths and query strings
DATA = "file:///data/scan 17?x=1&y=2#raw%2F.h5"
MODEL = "model://unet/7#best"


@pytest.fixture(scope="module")
def camp(server) -> dict:
    """Two workflows of one campaign: train (3 tasks, lr × layers → loss) and eval (uses the model)."""
    run = uuid.uuid4().hex[:8]
    c = {
        "campaign": f"camp-client-{run}",
        "train": f"wf-train-{run}",
        "eval": f"wf-eval-{run}",
        "t": [f"train-{run}-{i}" for i in range(3)],
        "e": f"eval-{run}:1/2?#%",
    }
    events = [
        {
            "type": "workflow",
            "workflow_id": c["train"],
            "campaign_id": c["campaign"],
            "name": "train",
            "status": "FINISHED",
            "started_at": T0,
            "ended_at": T0 + 100,
        },
        {"type": "workflow", "workflow_id": c["eval"], "campaign_id": c["campaign"], "name": "eval"},
    ]
    for i, (layers, loss) in enumerate([(2, 0.5), (2, 0.25), (4, 0.125)]):
        events.append(
            {
                "type": "task",
                "task_id": c["t"][i],
                "workflow_id": c["train"],
                "campaign_id": c["campaign"],
                "activity_id": "train",
                "status": "FINISHED",
                "started_at": T0 + i,
                "ended_at": T0 + 10 + i,
                "used": {"layers": layers, "lr": 0.01, "data": {"@id": DATA, "@type": "dataset"}},
                "generated": {
                    "loss": loss,
                    **({"model": {"@id": MODEL, "@type": "model"}} if i == 2 else {}),
                },
            }
        )
    events.append(
        {
            "type": "task",
            "task_id": c["e"],
            "workflow_id": c["eval"],
            "campaign_id": c["campaign"],
            "activity_id": "evaluate",
            "status": "FINISHED",
            "started_at": T0 + 20,
            "ended_at": T0 + 21,
            "used": {"model": {"@id": MODEL, "@type": "model"}},
            "generated": {"mse": 0.01},
            "dependencies": [c["t"][2]],
        }
    )
    r = httpx.post(server.url + "/api/events", json=events, timeout=30)
    assert r.status_code == 202, r.text
    server.wait_ingested()
    return c


@pytest.fixture
def client(server):
    with Client(server.url) as c:
        yield c


def test_the_package_exports_the_client_and_its_error():
    assert mida.Client is Client
    assert mida.MidaError is MidaError
    assert issubclass(NotFound, MidaError)


def test_listing_1_posts_the_papers_document_and_gives_one_row_per_group(client, camp):
    sent = []
    client._http.event_hooks["request"].append(lambda request: sent.append(json.loads(request.content)))

    rows = client.query(
        projection=["used.layers", "generated.loss"],
        aggregation=[("min", "generated.loss")],
        filter={"campaign_id": camp["campaign"]},
        sort=[("ended_at", "descending")],
        limit=100,
    )

    assert sent == [
        {
            "projection": ["used.layers", "generated.loss"],
            "aggregation": [["min", "generated.loss"]],
            "filter": {"campaign_id": camp["campaign"]},
            "sort": [["ended_at", "descending"]],
            "limit": 100,
        }
    ]
    # the evaluation task has no used.layers: its group's minimum loss is null
    by_layers = {r["used.layers"]: r["min(generated.loss)"] for r in rows}
    assert by_layers == {2: 0.25, 4: 0.125, None: None}


def test_a_query_filters_sorts_and_pages_without_aggregation(client, camp):
    rows = client.query(
        projection=["task_id", "generated.loss"],
        filter={"campaign_id": camp["campaign"], "generated.loss": {"$lt": 0.5}},
        sort=[("generated.loss", "ascending")],
    )
    assert rows == [
        {"task_id": camp["t"][2], "generated.loss": 0.125},
        {"task_id": camp["t"][1], "generated.loss": 0.25},
    ]

    page = client.query(
        projection=["task_id"], filter={"workflow_id": camp["train"]}, sort=["task_id"], limit=1, offset=1
    )
    assert page == [{"task_id": camp["t"][1]}]


def test_a_query_groups_by_a_field_and_counts(client, camp):
    rows = client.query(
        aggregation=[("count", "*"), ("avg", "generated.loss")],
        group_by=["activity_id"],
        filter={"campaign_id": camp["campaign"]},
        sort=[("activity_id", "ascending")],
    )
    assert rows == [
        {"activity_id": "evaluate", "count(*)": 1, "avg(generated.loss)": None},
        {"activity_id": "train", "count(*)": 3, "avg(generated.loss)": pytest.approx(0.875 / 3)},
    ]


def test_a_query_of_workflows(client, camp):
    rows = client.query(
        from_="workflows",
        projection=["workflow_id", "name"],
        filter={"campaign_id": camp["campaign"]},
        sort=["name"],
    )
    assert rows == [
        {"workflow_id": camp["eval"], "name": "eval"},
        {"workflow_id": camp["train"], "name": "train"},
    ]


def test_a_query_gives_a_dataframe_on_request(client, camp):
    pd = pytest.importorskip("pandas")
    df = client.query(
        projection=["used.layers", "generated.loss"],
        aggregation=[("min", "generated.loss")],
        filter={"workflow_id": camp["train"]},
        sort=[("used.layers", "ascending")],
        dataframe=True,
    )
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == ["used.layers", "min(generated.loss)"]
    assert df["min(generated.loss)"].tolist() == [0.25, 0.125]

    empty = client.query(
        projection=["used.layers", "generated.loss"],
        aggregation=[("min", "generated.loss")],
        filter={"campaign_id": "no-such-campaign"},
        dataframe=True,
    )
    assert empty.empty and list(empty.columns) == ["used.layers", "min(generated.loss)"]


def test_an_invalid_query_raises_a_400_naming_the_wrong_part_by_json_pointer(client):
    with pytest.raises(MidaError) as raised:
        client.query(filter={"used.lr": {"$gt": "abc", "$near": 1}}, limit=-3)
    e = raised.value
    assert e.status == 400 and not isinstance(e, NotFound)
    assert e.type.endswith("/problems/invalid-query")
    pointers = {err.get("pointer") for err in e.errors}
    assert "/limit" in pointers
    assert any(p and p.startswith("/filter/used.lr") for p in pointers)
    assert e.detail and e.detail in str(e)


def test_task_and_workflow_by_id_even_when_the_id_is_full_of_url_characters(client, camp):
    t = client.task(camp["e"])
    assert t["task_id"] == camp["e"]
    assert t["used"]["model"] == {"@id": MODEL, "@type": "model"}
    assert t["duration"] == pytest.approx(1.0)

    w = client.workflow(camp["train"])
    assert w["name"] == "train" and w["task_count"] == 3
    assert w["status_counts"] == {"FINISHED": 3}


def test_workflows_and_campaigns(client, camp):
    assert sorted(w["workflow_id"] for w in client.workflows(campaign_id=camp["campaign"])) == sorted(
        [camp["train"], camp["eval"]]
    )
    assert len(client.workflows(campaign_id=camp["campaign"], limit=1)) == 1
    mine = [c for c in client.campaigns() if c["campaign_id"] == camp["campaign"]]
    assert mine == [{"campaign_id": camp["campaign"], "workflow_count": 2, "task_count": 4}]


def _by_entity(answer):
    """Node ids and edges of a lineage answer with each version named by its entity's id."""
    name = {n["id"]: n.get("entity_id") or n["id"] for n in answer["nodes"]}
    ids = set(name.values())
    edges = {(name[e["source"]], e["type"], name[e["target"]]) for e in answer["edges"]}
    return ids, edges


def test_fields_of_a_campaign_and_an_unknown_field_named_with_close_matches(client, camp):
    answer = client.fields(campaign_id=camp["campaign"])
    assert answer["tasks"] == 4
    fields = {f["name"]: f for f in answer["fields"]}
    assert fields["generated.loss"]["count"] == 3 and fields["generated.loss"]["types"] == ["float"]
    assert fields["task_id"]["count"] == 4
    assert "generated.mse" in {f["name"] for f in client.fields(workflow_id=camp["eval"])["fields"]}
    with pytest.raises(MidaError) as e:
        client.query(filter={"campaign_id": camp["campaign"], "generated.los": {"$lt": 1}})
    assert e.value.status == 400
    assert e.value.errors[0]["pointer"] == "/filter/generated.los"
    assert "generated.loss" in e.value.detail


def test_lineage_of_a_uri_runs_from_the_data_through_the_model_to_the_evaluation(client, camp):
    down = client.lineage(DATA, direction="downstream", depth=10)
    assert down["root"] == DATA and down["root_kind"] == "entity" and down["versions"] is True
    ids, edges = _by_entity(down)
    assert {DATA, MODEL, camp["e"], *camp["t"]} <= ids
    assert (camp["e"], "used", MODEL) in edges
    assert (MODEL, "wasGeneratedBy", camp["t"][2]) in edges
    # generated once, the model is no version: its node is the entity itself
    assert [n.get("version") for n in down["nodes"] if n["id"] == MODEL] == [None]

    up = client.lineage(camp["e"], direction="upstream", depth=1, kind="task")
    assert _by_entity(up)[1] >= {
        (camp["e"], "used", MODEL),
        (camp["e"], "wasInformedBy", camp["t"][2]),
    }
    cumulative = client.lineage(camp["e"], direction="upstream", depth=2, versions=False)
    assert cumulative["versions"] is False
    assert all(n.get("version") is None for n in cumulative["nodes"])
    assert (camp["e"], "used", MODEL) in {(e["source"], e["type"], e["target"]) for e in cumulative["edges"]}


def test_an_entity_with_its_versions(client, camp):
    model = client.entity(MODEL)
    assert model["id"] == MODEL
    assert [v["generated_by"][0]["task_id"] for v in model["versions"]] == [camp["t"][2]]
    assert model["versions"][0]["used_by"][0]["task_id"] == camp["e"]
    with pytest.raises(NotFound):
        client.entity("file:///no/such/entity")

    capped = client.lineage(DATA, direction="downstream", depth=10, limit=2)
    assert capped["truncated"] is True and len(capped["nodes"]) <= 2


def test_workflow_lineage_shows_the_evaluation_fed_by_the_training(client, camp):
    overview = client.workflow_lineage(campaign_id=camp["campaign"])
    assert {n["id"] for n in overview["nodes"]} >= {camp["train"], camp["eval"]}
    feeds = {(e["source"], e["type"], e["target"]) for e in overview["edges"]}
    assert (camp["eval"], "wasInformedBy", camp["train"]) in feeds, overview["edges"]


def test_cypher_with_parameters_gives_rows(client, camp):
    rows = client.cypher(
        "MATCH (t:Task {workflow_id: $wf})-[:USED]->(e:Entity) RETURN t.task_id AS task, e ORDER BY task",
        wf=camp["train"],
    )
    assert [r["task"] for r in rows] == camp["t"]
    assert rows[0]["e"]["_id"] == DATA and "Entity" in rows[0]["e"]["_labels"]


def test_cypher_that_writes_is_refused_with_the_servers_detail(client):
    with pytest.raises(MidaError) as raised:
        client.cypher("CREATE (n:Task {task_id: 'x'})")
    assert raised.value.status == 403
    assert raised.value.type.endswith("/problems/read-only")
    assert raised.value.detail in str(raised.value)


def test_an_unknown_id_is_not_found_with_the_servers_detail(client):
    for call in (client.task, client.workflow, client.prov):
        with pytest.raises(NotFound) as raised:
            call("no/such:id?#%")
        e = raised.value
        assert e.status == 404 and e.type.endswith("/problems/not-found")
        assert "no/such:id?#%" in e.detail and e.detail in str(e)
    with pytest.raises(NotFound):
        client.lineage("no/such:id?#%")


def test_prov_gives_a_prov_document_with_the_tasks_as_activities(client, camp):
    model = pytest.importorskip("prov.model")
    doc = client.prov(camp["train"])
    assert isinstance(doc, model.ProvDocument)
    activities = {str(r.identifier) for r in doc.get_records(model.ProvActivity)}
    for t in camp["t"]:
        assert any(a.endswith(t) for a in activities), (t, activities)
    # the server percent-encodes ids into QNames' local parts
    used = {
        (
            unquote(u.get_attribute("prov:activity").pop().localpart),
            unquote(u.get_attribute("prov:entity").pop().localpart),
        )
        for u in doc.get_records(model.ProvUsage)
    }
    assert {(t, DATA) for t in camp["t"]} <= used


def test_health(client):
    h = client.health()
    assert h["status"] == "ok"
    assert {"neo4j", "redis", "pending", "tasks"} <= set(h)


def test_an_unreachable_server_is_a_mida_error_without_status():
    with Client("http://127.0.0.1:9", timeout=2) as c, pytest.raises(MidaError) as raised:
        c.health()
    assert raised.value.status is None and "127.0.0.1:9" in str(raised.value)


def test_the_token_is_sent_as_a_bearer_header_from_the_argument_or_the_environment(monkeypatch):
    from conftest import start_server

    servers = start_server("--api-token", "s3cret-token")
    guarded = next(servers)  # a second real server, with MIDA_API_TOKEN set: /api/cypher needs the token
    try:
        monkeypatch.delenv("MIDA_API_TOKEN", raising=False)
        with Client(guarded.url) as c, pytest.raises(MidaError) as refused:
            c.cypher("RETURN 1 AS x")
        assert refused.value.status == 401 and "Bearer" in str(refused.value)
        with Client(guarded.url, token="s3cret-token") as c:
            assert c.cypher("RETURN 1 AS x") == [{"x": 1}]
        monkeypatch.setenv("MIDA_API_TOKEN", "s3cret-token")
        with Client(guarded.url) as c:
            assert c.cypher("RETURN 1 AS x") == [{"x": 1}]
        with Client(guarded.url, token="wrong") as c, pytest.raises(MidaError) as wrong:
            c.cypher("RETURN 1 AS x")
        assert wrong.value.status == 401 and "not valid" in str(wrong.value)
    finally:
        next(servers, None)


def test_an_error_that_is_not_problem_json_still_raises_with_its_text():
    import http.server
    import threading

    class Proxy(http.server.BaseHTTPRequestHandler):  # a real HTTP peer, as a failing proxy in front of MIDA
        def do_GET(self):
            body = b"Bad gateway from the proxy"
            self.send_response(502)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        with Client(f"http://127.0.0.1:{proxy.server_port}") as c, pytest.raises(MidaError) as raised:
            c.task("t1")
    finally:
        proxy.shutdown()
    assert raised.value.status == 502 and "Bad gateway from the proxy" in str(raised.value)


def test_numpy_values_in_a_query_are_sent_as_json_numbers(server):
    np = pytest.importorskip("numpy")
    wf = f"wf-np-{uuid.uuid4().hex[:8]}"
    events = [{"type": "task", "task_id": f"{wf}-{i}", "workflow_id": wf, "used": {"n": i}} for i in range(5)]
    assert httpx.post(server.url + "/api/events", json=events).status_code == 202
    server.wait_ingested()
    with Client(server.url) as c:
        rows = c.query(
            projection=["used.n"],
            filter={"workflow_id": wf, "used.n": {"$in": [np.int64(3), np.float32(1.0)]}},
            sort=[("used.n", "ascending")],
            limit=np.int64(10),
        )
    assert rows == [{"used.n": 1}, {"used.n": 3}]
