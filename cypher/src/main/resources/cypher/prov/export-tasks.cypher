// The tasks of the exported workflows that have their own events (placeholders known only as a
// dependency appear in the export only as the informant of a wasInformedBy), in id order.
UNWIND $workflow_ids AS wid
MATCH (t:Task)
WHERE t.workflow_id = wid AND t._json IS NOT NULL
RETURN t._json AS json
ORDER BY t.task_id
