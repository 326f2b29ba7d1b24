// The workflow a PROV export is about, with its merged document.
MATCH (w:Workflow {workflow_id: $id})
RETURN w.workflow_id AS id, w._json AS json
