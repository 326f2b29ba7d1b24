// The workflow feed graph's entity part for the families a batch's tasks touch (server/lineage/FeedIndex):
// every entity or version a task used or generated, taken to its family (the entity and all its versions:
// a batch may rebind other tasks' usages between versions of an entity its tasks generated), and each
// family's feeds afresh, as feeds-entities-all.cypher counts them ([] when it feeds nothing now).
UNWIND $ids AS tid
MATCH (:Task {task_id: tid})-[:USED|WAS_GENERATED_BY]-(n)
WITH DISTINCT n
OPTIONAL MATCH (n)-[:SPECIALIZATION_OF]->(g:Entity)
WITH DISTINCT coalesce(g, n) AS e
CALL (e) {
  OPTIONAL MATCH (v)-[:SPECIALIZATION_OF]->(e)
  WITH e, collect(v) AS vs
  UNWIND [e] + vs AS n
  OPTIONAL MATCH (p:Task)<-[:WAS_GENERATED_BY]-(n)<-[:USED]-(c:Task)
    WHERE p.workflow_id <> c.workflow_id
  WITH c.workflow_id AS consumer, p.workflow_id AS producer, count(DISTINCT CASE WHEN c IS NOT NULL THEN n END) AS entities
  RETURN collect(CASE WHEN consumer IS NOT NULL THEN [consumer, producer, entities] END) AS feeds
}
RETURN elementId(e) AS family, feeds
