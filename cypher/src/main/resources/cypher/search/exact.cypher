// What the text $id names exactly: a task, a workflow, a campaign or an entity (a version's id names its entity).
OPTIONAL MATCH (t:Task {task_id: $id}) WHERE t._json IS NOT NULL
OPTIONAL MATCH (w:Workflow {workflow_id: $id})
OPTIONAL MATCH (c:Campaign {campaign_id: $id})
OPTIONAL MATCH (e:Entity {id: $id})
OPTIONAL MATCH (:Version {id: $id})-[:SPECIALIZATION_OF]->(ve:Entity)
RETURN t IS NOT NULL AS task, w IS NOT NULL AS workflow, c IS NOT NULL AS campaign,
       coalesce(e.id, ve.id) AS entity
