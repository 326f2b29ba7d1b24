// Every stored usage of the entities whose versions a batch may change, of the entity itself or of one
// of its versions: the using task, the role, the version the usage named (if any) and when the task
// used it (its start, else its submission, else its end).
UNWIND $ids AS id
MATCH (e:Entity {id: id})
CALL (e) {
  MATCH (e)<-[r:USED]-(t:Task)
  RETURN t, r
  UNION ALL
  MATCH (e)<-[:SPECIALIZATION_OF]-(:Version)<-[r:USED]-(t:Task)
  RETURN t, r
}
RETURN id, t.task_id AS task_id, r.role AS role, r.version AS version,
       coalesce(t.started_at, t.submitted_at, t.ended_at) AS at
