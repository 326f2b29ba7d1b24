// One breadth-first level upstream: from every frontier node (element ids), the PROV relationships it
// points along (PROV edges run from the dependent to what it depends on: used, wasGeneratedBy,
// wasInformedBy, wasDerivedFrom) and the node at the other end.
UNWIND $frontier AS fid
MATCH (n)
  WHERE elementId(n) = fid
MATCH (n)-[r:USED|WAS_GENERATED_BY|WAS_INFORMED_BY|WAS_DERIVED_FROM]->(m)
RETURN fid AS from, type(r) AS rel, elementId(m) AS to,
       CASE WHEN m:Task THEN 'task' WHEN m:Entity OR m:Version THEN 'entity' WHEN m:Workflow THEN 'workflow' ELSE 'other' END AS kind,
       m {.task_id, .id, .workflow_id, .campaign_id, .activity_id, .status, .type, .name, .started_at, .ended_at, .entity_id, .version} AS p
LIMIT $rows
