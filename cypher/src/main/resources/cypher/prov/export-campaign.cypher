// A campaign and its workflows (with their merged documents), for a PROV export.
MATCH (c:Campaign {campaign_id: $id})
OPTIONAL MATCH (w:Workflow)-[:PART_OF]->(c)
RETURN c.campaign_id AS campaign_id, w.workflow_id AS id, w._json AS json
ORDER BY id
