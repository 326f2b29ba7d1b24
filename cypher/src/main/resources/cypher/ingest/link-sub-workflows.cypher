UNWIND $rows AS r
MATCH (w:Workflow {workflow_id: r.workflow_id})
USING INDEX SEEK w:Workflow(workflow_id)
MATCH (p:Workflow {workflow_id: r.parent_workflow_id})
USING INDEX SEEK p:Workflow(workflow_id)
MERGE (w)-[:SUB_WORKFLOW_OF]->(p)
