CREATE INDEX workflow_campaign_id IF NOT EXISTS FOR (w:Workflow) ON (w.campaign_id)
