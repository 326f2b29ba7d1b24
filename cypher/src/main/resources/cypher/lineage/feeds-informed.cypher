// The workflow feed graph's informed-by part for a batch's tasks (server/lineage/FeedIndex): the tasks
// among them and the tasks informed by them (whose links count once the task they name has a workflow),
// each with its links to tasks of other workflows afresh ([] when none now).
UNWIND $ids AS tid
MATCH (t:Task {task_id: tid})
CALL (t) {
  RETURN t AS c
  UNION
  MATCH (c:Task)-[:WAS_INFORMED_BY]->(t)
  RETURN c
}
WITH DISTINCT c
CALL (c) {
  OPTIONAL MATCH (c)-[:WAS_INFORMED_BY]->(p:Task)
    WHERE p.workflow_id <> c.workflow_id
  WITH p.workflow_id AS producer, count(p) AS informed
  RETURN collect(CASE WHEN producer IS NOT NULL THEN [producer, informed] END) AS feeds
}
RETURN elementId(c) AS task, c.workflow_id AS consumer, feeds
