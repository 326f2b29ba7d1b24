// wasAssociatedWith between an imported activity and an agent that is not its user or host. The task
// or workflow may not be ingested yet: it is merged as a placeholder that the ingest then fills.
UNWIND $rows AS r
CALL (r) {
  WITH r WHERE r.kind = 'task'
  MERGE (t:Task {task_id: r.id})
    ON CREATE SET t:Activity
  WITH t, r
  MATCH (a:Agent {id: r.agent})
  MERGE (t)-[:WAS_ASSOCIATED_WITH {role: r.role}]->(a)
}
CALL (r) {
  WITH r WHERE r.kind = 'workflow'
  MERGE (w:Workflow {workflow_id: r.id})
    ON CREATE SET w:Activity
  WITH w, r
  MATCH (a:Agent {id: r.agent})
  MERGE (w)-[:WAS_ASSOCIATED_WITH {role: r.role}]->(a)
}
