// The ids of the workflows of one campaign, or of every workflow when $campaign_id is null.
MATCH (w:Workflow)
  WHERE $campaign_id IS NULL OR w.campaign_id = $campaign_id
RETURN w.workflow_id AS workflow_id
ORDER BY w.started_at, w.workflow_id
