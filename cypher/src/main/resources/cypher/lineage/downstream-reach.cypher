// Every node within N hops of the start nodes (a task, an entity and its versions, …) downstream of the start node (the nodes that depend on it), found by one
// pruning breadth-first variable-length expand that stops after $rows distinct nodes; then, for
// each of them and the start, its PROV relationships pointing out (the caller keeps those between
// found nodes). The hop bound of a variable-length pattern cannot be a parameter: the server makes
// one variant of this statement per allowed depth (1..50) by replacing the literal "*1..50]".
UNWIND $starts AS sid
MATCH (s)
  WHERE elementId(s) = sid
CALL (s) {
  MATCH (s)<-[:USED|WAS_GENERATED_BY|WAS_INFORMED_BY|WAS_DERIVED_FROM*1..50]-(m)
  WITH DISTINCT m
    LIMIT $rows
  RETURN collect(m) AS found
}
UNWIND [s] + found AS n
WITH DISTINCT n
OPTIONAL MATCH (n)-[r:USED|WAS_GENERATED_BY|WAS_INFORMED_BY|WAS_DERIVED_FROM]->(o)
RETURN elementId(n) AS eid,
       CASE WHEN n:Task THEN 'task' WHEN n:Entity OR n:Version THEN 'entity' WHEN n:Workflow THEN 'workflow' ELSE 'other' END AS kind,
       n {.task_id, .id, .workflow_id, .campaign_id, .activity_id, .status, .type, .name, .started_at, .ended_at, .entity_id, .version} AS p,
       collect([type(r), elementId(o)]) AS out
