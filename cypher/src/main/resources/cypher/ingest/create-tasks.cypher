// Tasks not seen before, with their links: rows carry only relationships that are new. The rows whose
// usages and generations all point at entities (no version or origin node: the common case); those with a
// link to a version or origin node go through create-tasks-versioned, the same statement with those links.
UNWIND $rows AS r
CREATE (t:Task:Activity)
SET t = r.props
WITH t, r
CALL (t, r) {
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
