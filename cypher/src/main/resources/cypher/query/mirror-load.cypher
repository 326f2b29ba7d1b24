// The columnar mirror's full load (server/columnar/TaskMirror): every task the DSL can answer (not the
// placeholders, known only as another task's dependency: they hold only task_id and no stored document),
// with its properties but the node's own bookkeeping (_json, _unindexed, …), and whether its document
// may hold telemetry (the correlation analysis reads those documents; the others it answers alone).
MATCH (n:Task)
WHERE n._json IS NOT NULL
RETURN n.task_id AS id, [k IN keys(n) WHERE NOT k STARTS WITH '_' | [k, n[k]]] AS props,
       n._json CONTAINS '"telemetry_at_' AS telemetry
