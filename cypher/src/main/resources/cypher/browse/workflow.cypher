MATCH (w:Workflow {workflow_id: $id})
OPTIONAL MATCH (w)-[:SUB_WORKFLOW_OF]->(p:Workflow)
RETURN w._json AS json, collect(p.workflow_id) AS parents,
       COUNT { (c:Workflow)-[:SUB_WORKFLOW_OF]->(w) } AS child_count
