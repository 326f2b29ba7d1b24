MATCH (t:Task)
WHERE t.workflow_id = $id AND ($status IS NULL OR t.status = $status)
RETURN t._json AS json, t.task_id AS task_id
ORDER BY t.started_at, t.task_id
SKIP $offset LIMIT $limit
