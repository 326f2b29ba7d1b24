// Workflows by id, with their task counts (the degree of incoming PART_OF, which only tasks have: no scan).
UNWIND $ids AS id
MATCH (w:Workflow {workflow_id: id})
RETURN w.workflow_id AS workflow_id, w.name AS name, w.campaign_id AS campaign_id, w.status AS status,
       w.started_at AS started_at, w.ended_at AS ended_at,
       COUNT { (w)<-[:PART_OF]-() } AS task_count
