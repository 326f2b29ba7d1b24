// The properties present on the tasks of a workflow, with their types and how many tasks have each;
// the node's own bookkeeping (_json, _unindexed…) left out. A scan of those tasks, bounded by the read's
// time limit.
MATCH (t:Task)
WHERE t.workflow_id = $id AND t._json IS NOT NULL
UNWIND [k IN keys(t) WHERE NOT k STARTS WITH '_'] AS name
RETURN name, valueType(t[name]) AS type, count(*) AS count
