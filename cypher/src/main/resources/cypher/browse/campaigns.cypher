MATCH (c:Campaign)
RETURN c.campaign_id AS campaign_id,
       COUNT { (:Workflow)-[:PART_OF]->(c) } AS workflow_count,
       COUNT { (t:Task) WHERE t.campaign_id = c.campaign_id } AS task_count
ORDER BY campaign_id
