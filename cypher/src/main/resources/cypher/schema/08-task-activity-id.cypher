CREATE INDEX task_activity_id IF NOT EXISTS FOR (t:Task) ON (t.activity_id)
