// Existing workflows of a batch, with their merged document, each write-locked before it is read (as in
// read-tasks; the caller sorts the ids).
UNWIND $ids AS id
MATCH (w:Workflow {workflow_id: id})
USING INDEX SEEK w:Workflow(workflow_id)
SET w.workflow_id = id
RETURN w.workflow_id AS id, w._json AS json
