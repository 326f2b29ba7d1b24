UNWIND $rows AS r
MATCH (w:Workflow {workflow_id: r.workflow_id})
MATCH (p:Workflow {workflow_id: r.parent_workflow_id})
MERGE (w)-[:SUB_WORKFLOW_OF]->(p)
