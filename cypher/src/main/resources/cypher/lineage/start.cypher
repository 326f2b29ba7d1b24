// The node a lineage request starts from, found through the uniqueness-constraint indexes: a task,
// an entity (or a version of one) or a workflow with this domain id (several rows when the same id names several kinds).
CALL () {
  MATCH (t:Task {task_id: $id})
  RETURN t AS n, 'task' AS kind, 0 AS rank
  UNION ALL
  MATCH (e:Entity {id: $id})
  RETURN e AS n, 'entity' AS kind, 1 AS rank
  UNION ALL
  MATCH (v:Version {id: $id})
  RETURN v AS n, 'entity' AS kind, 1 AS rank
  UNION ALL
  MATCH (w:Workflow {workflow_id: $id})
  RETURN w AS n, 'workflow' AS kind, 2 AS rank
}
RETURN elementId(n) AS eid, kind,
       n {.task_id, .id, .workflow_id, .campaign_id, .activity_id, .status, .type, .name, .started_at, .ended_at, .entity_id, .version} AS p,
       [(n)<-[:SPECIALIZATION_OF]-(v:Version) | [elementId(v), v {.id, .type, .name, .entity_id, .version}]] AS versions,
       [(n)-[:SPECIALIZATION_OF]->(g:Entity) | [elementId(g), g {.id, .type, .name}]] AS general
ORDER BY rank
