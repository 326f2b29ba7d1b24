// The columnar mirror's refresh: the current state of the tasks a committed batch changed. A task that
// is missing or still a placeholder comes back with props null. The seek is hinted: planned on a store still
// filling (index statistics behind), Neo4j chose a scan of the task index per id (see lineage/feeds-entities).
UNWIND $ids AS id
OPTIONAL MATCH (n:Task {task_id: id})
USING INDEX SEEK n:Task(task_id)
RETURN id,
       CASE WHEN n IS NULL OR n._json IS NULL THEN null
            ELSE [k IN keys(n) WHERE NOT k STARTS WITH '_' | [k, n[k]]] END AS props,
       n IS NOT NULL AND n._json CONTAINS '"telemetry_at_' AS telemetry
