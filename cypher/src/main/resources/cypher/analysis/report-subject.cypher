// What an id names for the lifecycle report: an entity, a task (with its own document or only a
// placeholder), a workflow.
OPTIONAL MATCH (e:Entity {id: $id})
OPTIONAL MATCH (v:Version {id: $id})
OPTIONAL MATCH (t:Task {task_id: $id})
OPTIONAL MATCH (w:Workflow {workflow_id: $id})
RETURN e IS NOT NULL OR v IS NOT NULL AS entity, t IS NOT NULL AS task, w IS NOT NULL AS workflow
