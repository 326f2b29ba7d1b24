// Stored usages whose binding moves (a generation arrived that precedes them, a version was re-timed, the
// task's start changed): every usage of the entity by the task, of the entity itself or of any of its
// versions, is replaced by the planned ones. Deleting all of them first keeps this right whatever was
// there before.
UNWIND $rows AS r
MATCH (t:Task {task_id: r.task_id})
USING INDEX SEEK t:Task(task_id)
MATCH (e:Entity {id: r.entity_id})
USING INDEX SEEK e:Entity(id)
CALL (t, e) {
  MATCH (t)-[old:USED]->(e)
  DELETE old
}
CALL (t, e) {
  MATCH (t)-[old:USED]->(:Version)-[:SPECIALIZATION_OF]->(e)
  DELETE old
}
CALL (t, e, r) {
  UNWIND r.uses AS u
  WITH t, e, u WHERE u.target IS NULL
  CREATE (t)-[:USED {role: u.role}]->(e)
}
CALL (t, r) {
  UNWIND r.uses AS u
  WITH t, u WHERE u.target IS NOT NULL
  MATCH (v:Version {id: u.target})
  USING INDEX SEEK v:Version(id)
  CREATE (t)-[rel:USED {role: u.role}]->(v)
  SET rel.version = u.version
}
