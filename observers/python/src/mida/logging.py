"""A :class:`logging.Handler` that turns log records carrying structured ``extra`` into task events,
so a script that only logs produces provenance.

    import logging, mida.logging
    logging.basicConfig(level=logging.INFO, handlers=[
        logging.StreamHandler(),
        mida.logging.Handler(fields=["image_path", "epoch"], entity_fields={"image_path": "file"}),
    ])
    log = logging.getLogger("segment")
    log.info("saved mask", extra={"image_path": "out/mask_17.png", "epoch": 3})
    # -> a FINISHED task (activity "segment") whose generated.image_path is
    #    {"@id": "file:///abs/out/mask_17.png", "@type": "file"}: a later task that uses
    #    mida.entity(Path("out/mask_17.png")) is downstream of it in /api/lineage.

Each record with at least one recorded field becomes one task (its time is the record's). Fields named
in ``used_fields`` go to ``used`` (inputs the logging code read), the others to ``generated``.
``entity_fields`` maps a field to an entity type: a path becomes ``file:///abs/path``, a value with a
scheme (``s3://…``) stays as it is; a list of them becomes a list of entities. The workflow and the
parent task come from the current :func:`mida.workflow` / task context. A record with ``exc_info`` is
an ERROR task with the traceback in ``stderr``.
"""

from __future__ import annotations

import logging
import os
import traceback
import uuid
from typing import Any, Dict, Iterable, Mapping, Optional

from mida import _values, sdk

_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "taskName",
}


class Handler(logging.Handler):
    """Log records with structured ``extra`` → task events (see the module docs)."""

    def __init__(
        self,
        level: int = logging.NOTSET,
        *,
        fields: Optional[Iterable[str]] = None,
        entity_fields: Optional[Mapping[str, Optional[str]]] = None,
        used_fields: Iterable[str] = (),
        activity_id: Optional[str] = None,
        emitter: Any = None,
    ):
        """
        :param fields: the ``extra`` keys to record; None records every non-standard attribute
        :param entity_fields: field → entity type (None for no type); these values become entities
        :param used_fields: fields that go to ``used``; the others go to ``generated``
        :param activity_id: the tasks' activity; default the record's logger name
        :param emitter: default :func:`mida.emitter.get_default`
        """
        super().__init__(level)
        self.entity_fields = dict(entity_fields or {})
        self.fields = None if fields is None else list(dict.fromkeys(list(fields) + list(self.entity_fields)))
        self.used_fields = frozenset(used_fields)
        self.activity_id = activity_id
        self.emitter = emitter

    def emit(self, record: logging.LogRecord) -> None:
        try:
            event = self.to_event(record)
            if event is None:
                return
            if self.emitter is not None:
                self.emitter.emit(event)
            else:
                sdk._emitter().emit(event)
        except Exception:
            self.handleError(record)

    def to_event(self, record: logging.LogRecord) -> Optional[dict]:
        """The task event for a record, or None when it carries nothing to record."""
        d = record.__dict__
        if self.fields is None:
            extra = {k: v for k, v in d.items() if k not in _STANDARD and not k.startswith("_")}
        else:
            extra = {k: d[k] for k in self.fields if k in d}
        extra.pop("activity_id", None)
        if not extra:
            return None
        used: Dict[str, Any] = {}
        generated: Dict[str, Any] = {}
        for k, v in extra.items():
            value = self._entity(k, v) if k in self.entity_fields else _values.recordable(v)
            (used if k in self.used_fields else generated)[k] = value
        wf = sdk.current_workflow()
        parent = sdk.current_task()
        activity = d.get("activity_id") or self.activity_id or record.name
        ev: dict = {
            "type": "task",
            "task_id": uuid.uuid4().hex,
            "activity_id": str(activity),
            "status": "ERROR" if record.exc_info else "FINISHED",
            "started_at": record.created,
            "ended_at": record.created,
            "hostname": sdk._hostname(),
            "adapter_id": "python-logging",
            "custom_metadata": {
                "logger": record.name,
                "level": record.levelname,
                "message": _values.recordable(record.getMessage()),
                "module": record.module,
                "lineno": record.lineno,
            },
        }
        user = sdk._user()
        if user:
            ev["user"] = user
        if used:
            ev["used"] = used
        if generated:
            ev["generated"] = generated
        if wf is not None:
            ev["workflow_id"] = wf.workflow_id
        campaign = wf.campaign_id if wf is not None else sdk._default_campaign(self.emitter)
        if campaign:
            ev["campaign_id"] = campaign
        if parent is not None:
            ev["parent_task_id"] = parent.task_id
        if record.exc_info and record.exc_info[1] is not None:
            ev["stderr"] = "".join(traceback.format_exception(*record.exc_info))[: sdk.MAX_STDERR_CHARS]
        return ev

    def _entity(self, field: str, value: Any) -> Any:
        etype = self.entity_fields.get(field)
        if isinstance(value, (list, tuple)):
            return [self._entity(field, v) for v in value]
        if isinstance(value, Mapping) and "@id" in value:
            return _values.recordable(value)
        if isinstance(value, (str, os.PathLike)):
            s = os.fspath(value)
            if isinstance(s, str) and "://" in s:
                return sdk.entity(s, etype)
            return sdk.file_entity(s, etype)
        return _values.recordable(value)
