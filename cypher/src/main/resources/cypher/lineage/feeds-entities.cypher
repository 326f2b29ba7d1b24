// The workflow feed graph's entity part for the families a batch's tasks touch (server/lineage/FeedIndex):
// every entity or version a task used or generated, taken to its family (the entity and all its versions:
// a batch may rebind other tasks' usages between versions of an entity its tasks generated), and each
// family's feeds afresh, as feeds-entities-all.cypher counts them ([] when it feeds nothing now).
// Every step after the seek expands from a node already bound, and no pattern names a label or a property
// of its far end: with one (p:Task, p.workflow_id <> ...), the planner, on the statistics of a store still
// filling, scanned the Task.workflow_id index and joined it per family (ExpandInto / a hash join), so each
// batch read every task once per family it touched. Labels and properties are read after the expansion.
// The seek is hinted: on a store still filling, the planner also chose a scan of the task index per id.
// Per node: the producer workflows first (most used nodes have none: data from outside), the consumer
// workflows only where there is a producer.
UNWIND $ids AS tid
MATCH (t:Task {task_id: tid})-[:USED|WAS_GENERATED_BY]-(n)
USING INDEX SEEK t:Task(task_id)
WITH DISTINCT n
WITH DISTINCT coalesce(head([g IN [(n)-[:SPECIALIZATION_OF]->(g) | g] WHERE g:Entity]), n) AS e
CALL (e) {
  UNWIND [e] + [(v)-[:SPECIALIZATION_OF]->(e) | v] AS n
  WITH n, [w IN [(n)-[:WAS_GENERATED_BY]->(p) | CASE WHEN p:Task THEN p.workflow_id END] WHERE w IS NOT NULL]
       AS producers
  WHERE size(producers) > 0
  UNWIND producers AS producer
  UNWIND [w IN [(n)<-[:USED]-(c) | CASE WHEN c:Task THEN c.workflow_id END] WHERE w IS NOT NULL] AS consumer
  WITH n, producer, consumer WHERE producer <> consumer
  WITH consumer, producer, count(DISTINCT n) AS entities
  RETURN collect([consumer, producer, entities]) AS feeds
}
RETURN elementId(e) AS family, feeds
