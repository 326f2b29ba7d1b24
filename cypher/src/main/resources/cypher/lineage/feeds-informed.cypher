// The workflow feed graph's informed-by part for a batch's tasks (server/lineage/FeedIndex): the tasks
// among them and the tasks informed by them (whose links count once the task they name has a workflow),
// each with its links to tasks of other workflows afresh ([] when none now). Expansions from bound nodes
// only, labels and properties read after them (see feeds-entities.cypher for why).
UNWIND $ids AS tid
MATCH (t:Task {task_id: tid})
USING INDEX SEEK t:Task(task_id)
UNWIND [t] + [x IN [(c)-[:WAS_INFORMED_BY]->(t) | c] WHERE x:Task] AS c
WITH DISTINCT c
CALL (c) {
  UNWIND [w IN [(c)-[:WAS_INFORMED_BY]->(p) | CASE WHEN p:Task THEN p.workflow_id END]
          WHERE w <> c.workflow_id] AS producer
  WITH producer, count(*) AS informed
  RETURN collect([producer, informed]) AS feeds
}
RETURN elementId(c) AS task, c.workflow_id AS consumer, feeds
