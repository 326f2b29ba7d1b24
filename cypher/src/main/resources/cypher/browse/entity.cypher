// An entity (by its id, or by the id of one of its versions) with its attributes, its version nodes (each
// with the task that generated it and the tasks that used it; a flat entity's origin node among them),
// the usages and generations recorded on the entity node itself. Lists are capped at $cap entries; the
// counts are whole. EntityDetail makes the answer uniform for flat and versioned entities.
CALL () {
  MATCH (e:Entity {id: $id})
  RETURN e
  UNION
  MATCH (:Version {id: $id})-[:SPECIALIZATION_OF]->(e:Entity)
  RETURN e
}
WITH e LIMIT 1
RETURN properties(e) AS props,
       COUNT { (e)<-[:USED]-(:Task) } AS direct_use_count,
       [(e)<-[u:USED]-(t:Task) | {task_id: t.task_id, role: u.role, workflow_id: t.workflow_id,
         status: t.status, started_at: t.started_at, ended_at: t.ended_at}][0..$cap] AS direct_used_by,
       [(e)-[g:WAS_GENERATED_BY]->(t:Task) | {task_id: t.task_id, role: g.role, workflow_id: t.workflow_id,
         status: t.status, started_at: t.started_at, ended_at: t.ended_at}][0..$cap] AS generated_by,
       [(e)<-[:SPECIALIZATION_OF]-(v:Version) | {
         props: properties(v),
         generated_by: [(v)-[g:WAS_GENERATED_BY]->(t:Task) | {task_id: t.task_id, role: g.role,
           workflow_id: t.workflow_id, status: t.status, started_at: t.started_at, ended_at: t.ended_at}],
         use_count: COUNT { (v)<-[:USED]-(:Task) },
         used_by: [(v)<-[u:USED]-(t:Task) | {task_id: t.task_id, role: u.role, workflow_id: t.workflow_id,
           status: t.status, started_at: t.started_at, ended_at: t.ended_at}][0..$cap]
       }] AS versions
