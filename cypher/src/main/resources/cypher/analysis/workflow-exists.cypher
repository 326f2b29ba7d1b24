// Whether a workflow node with this id exists (the correlation analysis answers 404 otherwise).
MATCH (w:Workflow {workflow_id: $id})
RETURN w.workflow_id AS id
