CREATE INDEX task_workflow_status IF NOT EXISTS FOR (t:Task) ON (t.workflow_id, t.status)
