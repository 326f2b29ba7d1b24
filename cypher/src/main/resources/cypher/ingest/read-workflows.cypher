// Existing workflows of a batch, with their merged document.
UNWIND $ids AS id
MATCH (w:Workflow {workflow_id: id})
RETURN w.workflow_id AS id, w._json AS json
