CREATE INDEX task_campaign_id IF NOT EXISTS FOR (t:Task) ON (t.campaign_id)
