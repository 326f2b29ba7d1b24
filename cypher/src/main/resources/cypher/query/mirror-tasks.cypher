// The columnar mirror's refresh: the current state of the tasks a committed batch changed. A task that
// is missing or still a placeholder comes back with props null.
UNWIND $ids AS id
OPTIONAL MATCH (n:Task {task_id: id})
RETURN id,
       CASE WHEN n IS NULL OR n._json IS NULL THEN null
            ELSE [k IN keys(n) WHERE NOT k STARTS WITH '_' | [k, n[k]]] END AS props,
       n IS NOT NULL AND n._json CONTAINS '"telemetry_at_' AS telemetry
