"""The Query API in Python: a small HTTP client for a MIDA server's REST API.

Usage (the paper's Listing 1)::

    import mida

    with mida.Client("http://localhost:8080") as client:
        rows = client.query(
            projection=["used.layers", "generated.loss"],
            aggregation=[("min", "generated.loss")],
            filter={"campaign_id": "my_campaign_1"},
            sort=[("ended_at", "descending")],
            limit=100,
        )
        graph = client.lineage("model://unet/7", direction="upstream", depth=10)
        doc = client.prov("wf-1")            # a prov.model.ProvDocument

A client holds one connection pool and no global state; it is safe to share between threads (httpx's
``Client`` is). Every error answer of the server (RFC 9457 problem+json) becomes a :class:`MidaError`
whose message is the server's ``detail``; 404 is :class:`NotFound`.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Sequence, Union

import httpx

if TYPE_CHECKING:  # heavy or optional imports only when used
    import pandas
    import prov.model

__all__ = ["DEFAULT_URL", "Client", "MidaError", "NotFound"]

DEFAULT_URL = "http://127.0.0.1:8080"
TOKEN_ENV = "MIDA_API_TOKEN"

log = logging.getLogger("mida.client")

Row = Dict[str, Any]


class MidaError(Exception):
    """An error answer of the MIDA server (or no answer at all).

    The attributes mirror the RFC 9457 problem document: ``status`` (``None`` when the server could not
    be reached), ``title``, ``detail`` (also the exception's message), ``type`` (e.g.
    ``/problems/invalid-query``; ``GET`` it on the server for a description) and ``errors``, a list of
    ``{"pointer" | "parameter", "detail"}`` naming each wrong part of the request.
    """

    def __init__(
        self,
        status: Optional[int],
        title: str,
        detail: Optional[str] = None,
        type: Optional[str] = None,
        errors: Optional[List[Dict[str, Any]]] = None,
        instance: Optional[str] = None,
    ) -> None:
        self.status = status
        self.title = title
        self.detail = detail
        self.type = type
        self.errors = list(errors or [])
        self.instance = instance
        super().__init__(self._message())

    def _message(self) -> str:
        head = f"{self.status} {self.title}" if self.status is not None else self.title
        text = f"{head}: {self.detail}" if self.detail else head
        where = [e.get("pointer") or e.get("parameter") for e in self.errors if isinstance(e, dict)]
        where = [w for w in where if w]
        if where and len(self.errors) > 1:
            text += f" (at {', '.join(where)})"
        return text

    def __reduce__(self):  # picklable with its attributes (e.g. across Dask or multiprocessing)
        return (type(self), (self.status, self.title, self.detail, self.type, self.errors, self.instance))


class NotFound(MidaError):
    """404: no task, workflow, entity or campaign with that id."""


def _problem(response: httpx.Response) -> MidaError:
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    cls = NotFound if status == 404 else MidaError
    if isinstance(body, dict) and ("title" in body or "detail" in body):
        return cls(
            status,
            str(body.get("title") or response.reason_phrase),
            body.get("detail"),
            body.get("type"),
            body.get("errors") if isinstance(body.get("errors"), list) else None,
            body.get("instance"),
        )
    text = response.text.strip()
    return cls(status, response.reason_phrase or "Error", text[:500] or None)


def _params(**values: Any) -> Dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


class Client:
    """A client of one MIDA server.

    :param url: the server's base URL.
    :param token: sent as ``Authorization: Bearer <token>``; defaults to ``$MIDA_API_TOKEN``. Reads
        need none; ``cypher`` does when the server has a token.
    :param timeout: seconds for connecting and for each answer.
    :param transport: an httpx transport (a proxy set-up, or ``httpx.MockTransport`` in tests).

    Ids are always sent as query parameters (``?id=``), so URIs such as ``file:///data/a.h5`` or
    ``model://unet/7#best`` need no escaping by the caller.
    """

    def __init__(
        self,
        url: str = DEFAULT_URL,
        token: Optional[str] = None,
        timeout: float = 30,
        *,
        transport: Optional[httpx.BaseTransport] = None,
    ) -> None:
        self.url = url.rstrip("/")
        token = token if token is not None else os.environ.get(TOKEN_ENV) or None
        headers = {"Accept": "application/json, application/problem+json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._http = httpx.Client(base_url=self.url, headers=headers, timeout=timeout, transport=transport)

    # ---- lifecycle -------------------------------------------------------------------------------

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Client({self.url!r})"

    # ---- the Query API ---------------------------------------------------------------------------

    def query(
        self,
        projection: Optional[Sequence[str]] = None,
        aggregation: Optional[Sequence[Sequence[str]]] = None,
        filter: Optional[Mapping[str, Any]] = None,
        sort: Optional[Sequence[Union[str, Sequence[Any]]]] = None,
        limit: Optional[int] = None,
        offset: Optional[int] = None,
        group_by: Optional[Sequence[str]] = None,
        from_: str = "tasks",
        dataframe: bool = False,
    ) -> Union[List[Row], "pandas.DataFrame"]:
        """Run a query of the JSON query DSL (the paper's Listing 1) → its rows.

        ``projection`` names fields (``"used.lr"``, ``"generated.loss"``, ``"hostname"``);
        ``aggregation`` holds ``(function, field)`` pairs with ``min max avg sum count`` (a row's column
        is then ``"min(generated.loss)"``; projected fields that are not aggregated group the rows);
        ``filter`` is a MongoDB-like document (``$gt $gte $lt $lte $ne $in $nin $exists $regex $and
        $or``); ``sort`` holds ``(field, "ascending" | "descending")`` pairs; ``from_`` is ``"tasks"``
        or ``"workflows"``. With ``dataframe=True`` the rows come back as a pandas DataFrame.
        An invalid part raises :class:`MidaError` (400) whose ``errors`` carry a JSON pointer each.
        """
        doc: Dict[str, Any] = {}
        if from_ != "tasks":
            doc["from"] = from_
        for key, value in (
            ("projection", projection),
            ("aggregation", aggregation),
            ("filter", filter),
            ("group_by", group_by),
            ("sort", sort),
            ("limit", limit),
            ("offset", offset),
        ):
            if value is not None:
                doc[key] = _jsonable(value)
        rows = self._call("POST", "/api/query", json=doc)["rows"]
        if not dataframe:
            return rows
        import pandas as pd  # only when asked for

        return pd.DataFrame.from_records(rows) if rows else pd.DataFrame(columns=_columns(doc))

    def cypher(self, query: str, **params: Any) -> List[Row]:
        """Run read-only Cypher with ``$name`` parameters → rows (column → value).

        Nodes come back as ``{"_id", "_labels", …properties}``. A statement that writes is refused
        (403 ``read-only``); more rows than the server's cap are cut (logged as a warning).
        """
        answer = self._call("POST", "/api/cypher", json={"query": query, "params": _jsonable(params)})
        if answer.get("truncated"):
            log.warning("cypher: the server cut the answer at %d rows", len(answer["rows"]))
        return answer["rows"]

    def lineage(
        self,
        id: str,
        direction: str = "both",
        depth: int = 5,
        limit: Optional[int] = None,
        kind: Optional[str] = None,
        versions: bool = True,
    ) -> Dict[str, Any]:
        """The PROV graph around a task, entity (or entity version) or workflow id.

        → ``{"root", "root_kind", "direction", "depth", "versions", "nodes": [...], "edges":
        [{source, target, type}], "truncated"}``; ``direction`` is ``upstream``, ``downstream`` or
        ``both``; ``kind`` (``task``, ``entity``, ``workflow``) picks one when an id names several
        things. Time-true by default: a task leads to the version of an entity it read (version nodes
        carry ``entity_id`` and ``version``); ``versions=False`` is the cumulative view, where an
        entity stands for all its versions.
        """
        return self._call(
            "GET",
            "/api/lineage",
            params=_params(
                id=id,
                direction=direction,
                depth=depth,
                limit=limit,
                kind=kind,
                versions=None if versions else "false",
            ),
        )

    def entity(self, id: str) -> Dict[str, Any]:
        """An entity (by its id or a version's) with its versions in generation order, who generated
        and who used each, and the usages of its origin; :class:`NotFound` when unknown."""
        return self._call("GET", "/api/entities", params={"id": id})

    def workflow_lineage(self, campaign_id: Optional[str] = None) -> Dict[str, Any]:
        """Which workflows feed which (through entities one generated and another used), across the
        whole graph or one campaign: ``{"nodes": [workflows…], "edges": [{source, target, type,
        …}]}`` as ``GET /api/lineage/workflows`` answers it."""
        return self._call("GET", "/api/lineage/workflows", params=_params(campaign_id=campaign_id))

    def observers(self) -> List[Dict[str, Any]]:
        """The observers' latest status reports (``GET /api/observers``), each with ``silent`` and
        ``silent_for_s`` as the server judges them."""
        return self._call("GET", "/api/observers")["observers"]

    def observer(self, id: str) -> Dict[str, Any]:
        """One observer's latest status report; :class:`NotFound` when none was received."""
        return self._call("GET", "/api/observers", params={"id": id})

    def task(self, id: str) -> Dict[str, Any]:
        """One task as sent (events merged), plus ``duration``; :class:`NotFound` when unknown."""
        return self._call("GET", "/api/tasks", params={"id": id})

    def workflow(self, id: str) -> Dict[str, Any]:
        """One workflow as sent, plus ``task_count``, ``status_counts`` and its tasks' time span."""
        return self._call("GET", "/api/workflows", params={"id": id})

    def workflows(
        self, campaign_id: Optional[str] = None, limit: Optional[int] = None, offset: Optional[int] = None
    ) -> List[Dict[str, Any]]:
        """The workflows (of one campaign), each with ``task_count``; the server pages by ``limit``."""
        answer = self._call(
            "GET", "/api/workflows", params=_params(campaign_id=campaign_id, limit=limit, offset=offset)
        )
        return answer["workflows"]

    def fields(self, campaign_id: Optional[str] = None, workflow_id: Optional[str] = None) -> Dict[str, Any]:
        """The fields present on a campaign's (or a workflow's) tasks, for picking columns and filters:
        ``{"campaign_id", "workflow_id", "tasks", "fields": [{"name", "types", "count"}]}``, most common
        first, names as :meth:`query` and :meth:`cypher` write them (a ``.`` inside a key is ``\\.``).
        Give one of the two ids."""
        return self._call(
            "GET", "/api/fields", params=_params(campaign_id=campaign_id, workflow_id=workflow_id)
        )

    def campaigns(self) -> List[Dict[str, Any]]:
        """``[{"campaign_id", "workflow_count", "task_count"}]``."""
        return self._call("GET", "/api/campaigns")["campaigns"]

    def prov(self, workflow_id: str) -> "prov.model.ProvDocument":
        """The workflow as a W3C PROV document (needs the ``prov`` package: ``pip install mida[prov]``).

        Tasks and the workflow are activities, data artifacts and parameters entities, with ``used``,
        ``wasGeneratedBy``, ``wasInformedBy``, ``wasAssociatedWith`` and ``wasDerivedFrom``.
        """
        try:
            from prov.model import ProvDocument
        except ImportError as e:  # an optional peer
            raise ImportError("Client.prov needs the 'prov' package: pip install 'mida[prov]'") from e
        text = self._send("GET", "/api/prov/workflows", params={"id": workflow_id}).text
        return ProvDocument.deserialize(content=text, format="json")

    def health(self) -> Dict[str, Any]:
        """``{"status", "neo4j", "redis", "ingested", "pending", "dead_letters", "tasks", "stream"}``.

        Answered also when a backend is down (the server says 503 with ``"status": "degraded"``), so a
        caller can see which one.
        """
        response = self._send("GET", "/api/health", ok=(200, 503))
        return response.json()

    # ---- plumbing --------------------------------------------------------------------------------

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._send(method, path, **kwargs).json()

    def _send(self, method: str, path: str, ok: Sequence[int] = (), **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TimeoutException as e:
            raise MidaError(None, "Timeout", f"{method} {self.url}{path}: no answer in time ({e})") from e
        except httpx.TransportError as e:
            raise MidaError(None, "Unreachable", f"{method} {self.url}{path}: {e}") from e
        if response.is_success or response.status_code in ok:
            return response
        raise _problem(response)


def _jsonable(value: Any) -> Any:
    """Tuples (Listing 1 writes pairs as tuples) and other sequences become JSON arrays; numpy scalars
    (a value taken from a DataFrame) their Python value."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    item = getattr(value, "item", None)
    if callable(item) and getattr(value, "shape", None) == ():
        return item()
    return value


def _columns(doc: Mapping[str, Any]) -> List[str]:
    """The columns an empty answer would have had (so an empty DataFrame still has them)."""
    aggregated = [f"{fn}({field})" for fn, field in doc.get("aggregation", [])]
    fields = {field for _, field in doc.get("aggregation", [])}
    keys = list(doc.get("group_by", [])) + [p for p in doc.get("projection", []) if p not in fields]
    if not aggregated:
        return list(doc.get("projection", []))
    return list(dict.fromkeys(keys)) + aggregated
