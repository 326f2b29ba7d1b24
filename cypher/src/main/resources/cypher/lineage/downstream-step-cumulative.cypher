// One breadth-first level downstream in the cumulative view, where an entity stands for all its
// versions: from every frontier node (element ids), the PROV relationships that point at it and, at an
// entity, the usages of each of its versions; a version reached is replaced by its entity.
UNWIND $frontier AS fid
MATCH (n)
  WHERE elementId(n) = fid
CALL (n) {
  MATCH (n)<-[r:USED|WAS_GENERATED_BY|WAS_INFORMED_BY|WAS_DERIVED_FROM]-(m)
  RETURN type(r) AS rel, m
  UNION ALL
  MATCH (n)<-[:SPECIALIZATION_OF]-(:Version)<-[r:USED]-(m)
  RETURN type(r) AS rel, m
}
OPTIONAL MATCH (m)-[:SPECIALIZATION_OF]->(g:Entity)
WITH fid, rel, coalesce(g, m) AS m
RETURN fid AS from, rel, elementId(m) AS to,
       CASE WHEN m:Task THEN 'task' WHEN m:Entity THEN 'entity' WHEN m:Workflow THEN 'workflow' ELSE 'other' END AS kind,
       m {.task_id, .id, .workflow_id, .campaign_id, .activity_id, .status, .type, .name, .started_at, .ended_at} AS p
LIMIT $rows
