// Tasks not seen before, with their links: rows carry only relationships that are new. A usage points at
// the entity (`used`) or at the version or origin node it was bound to (`used_versions`); a generation at
// the entity when it is flat (`generated`: its one generation) or at the version it made (`generated_versions`).
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
  UNWIND r.used_versions AS u
  MATCH (v:Version {id: u.target})
  USING INDEX SEEK v:Version(id)
  CREATE (t)-[rel:USED {role: u.role}]->(v)
  SET rel.version = u.version
}
CALL (t, r) {
  UNWIND r.generated AS g
  MATCH (e:Entity {id: g.id})
  USING INDEX SEEK e:Entity(id)
  CREATE (e)-[:WAS_GENERATED_BY {role: g.role}]->(t)
}
CALL (t, r) {
  UNWIND r.generated_versions AS g
  MATCH (v:Version {id: g.target})
  USING INDEX SEEK v:Version(id)
  CREATE (v)-[:WAS_GENERATED_BY {role: g.role}]->(t)
}
CALL (t, r) {
  UNWIND r.agents AS a
  MATCH (ag:Agent {id: a.id})
  USING INDEX SEEK ag:Agent(id)
  CREATE (t)-[:WAS_ASSOCIATED_WITH {role: a.role}]->(ag)
}
