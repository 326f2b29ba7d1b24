// The tasks of the exported workflows that have their own events (placeholders known only as a
// dependency appear in the export only as the informant of a wasInformedBy), in id order, each with
// what its USED relationships point at (a version, or the entity itself: its origin) and the versions
// it generated, as bound in the graph.
UNWIND $workflow_ids AS wid
MATCH (t:Task)
WHERE t.workflow_id = wid AND t._json IS NOT NULL
RETURN t._json AS json,
       [(t)-[u:USED]->(x) | {role: u.role, id: x.id}] AS used,
       [(v)-[g:WAS_GENERATED_BY]->(t) | {role: g.role, id: v.id}] AS generated
ORDER BY t.task_id
