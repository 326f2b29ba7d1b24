CREATE INDEX task_workflow_id IF NOT EXISTS FOR (t:Task) ON (t.workflow_id)
