MATCH (w:Workflow)
WHERE $campaign_id IS NULL OR w.campaign_id = $campaign_id
RETURN w.workflow_id AS workflow_id, w._json AS json,
       COUNT { (t:Task) WHERE t.workflow_id = w.workflow_id } AS task_count
ORDER BY w.started_at, w.workflow_id
SKIP $offset LIMIT $limit
