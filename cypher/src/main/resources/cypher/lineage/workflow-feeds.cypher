// Which workflows feed which: consumer used an entity a task of producer generated (counted as
// distinct entities), or a task of consumer was informed by a task of producer (counted as links).
// One pass from the generated entities (versions, time-true: a consumer fed by the version it read):
// each is looked at once, with its consumers.
CALL () {
  MATCH (p:Task)<-[:WAS_GENERATED_BY]-(e)<-[:USED]-(c:Task)
  WHERE p.workflow_id <> c.workflow_id
  RETURN c.workflow_id AS consumer, p.workflow_id AS producer, count(DISTINCT e) AS entities, 0 AS informed
  UNION ALL
  MATCH (c:Task)-[:WAS_INFORMED_BY]->(p:Task)
  WHERE p.workflow_id <> c.workflow_id
  RETURN c.workflow_id AS consumer, p.workflow_id AS producer, 0 AS entities, count(*) AS informed
}
RETURN consumer, producer, sum(entities) AS entities, sum(informed) AS informed
ORDER BY consumer, producer
