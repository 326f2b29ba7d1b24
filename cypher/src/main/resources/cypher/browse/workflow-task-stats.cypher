// Per-status counts and time span of a workflow's tasks.
MATCH (t:Task)
WHERE t.workflow_id = $id
RETURN t.status AS status, count(*) AS n, min(t.started_at) AS first_started, max(t.ended_at) AS last_ended
