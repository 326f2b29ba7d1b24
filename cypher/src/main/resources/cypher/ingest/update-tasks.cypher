// Tasks seen before (rows as in create-tasks): properties merged, new links added. The rows with no link
// to a version or origin node; update-tasks-versioned takes the others.
UNWIND $rows AS r
MATCH (t:Task {task_id: r.task_id})
USING INDEX SEEK t:Task(task_id)
SET t += r.props
WITH t, r
CALL (t, r) {
  WITH t, r WHERE r.relink_workflow
  OPTIONAL MATCH (t)-[old:PART_OF]->(:Workflow)
  DELETE old
  WITH DISTINCT t, r
  MATCH (w:Workflow {workflow_id: r.workflow_id})
  USING INDEX SEEK w:Workflow(workflow_id)
  CREATE (t)-[:PART_OF]->(w)
}
CALL (t, r) {
  UNWIND r.used AS u
  MATCH (e:Entity {id: u.id})
  USING INDEX SEEK e:Entity(id)
  CREATE (t)-[:USED {role: u.role}]->(e)
}
CALL (t, r) {
  UNWIND r.generated AS g
  MATCH (e:Entity {id: g.id})
  USING INDEX SEEK e:Entity(id)
  CREATE (e)-[:WAS_GENERATED_BY {role: g.role}]->(t)
}
CALL (t, r) {
  UNWIND r.agents AS a
  MATCH (ag:Agent {id: a.id})
  USING INDEX SEEK ag:Agent(id)
  CREATE (t)-[:WAS_ASSOCIATED_WITH {role: a.role}]->(ag)
}
