// The workflow feed graph's informed-by part, in full (server/lineage/FeedIndex): per consumer task, its
// links to tasks of other workflows, counted per producing workflow.
MATCH (c:Task)-[:WAS_INFORMED_BY]->(p:Task)
WHERE p.workflow_id <> c.workflow_id
RETURN elementId(c) AS task, c.workflow_id AS consumer, p.workflow_id AS producer, count(*) AS informed
