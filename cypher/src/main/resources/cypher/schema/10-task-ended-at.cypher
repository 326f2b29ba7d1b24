CREATE INDEX task_ended_at IF NOT EXISTS FOR (t:Task) ON (t.ended_at)
