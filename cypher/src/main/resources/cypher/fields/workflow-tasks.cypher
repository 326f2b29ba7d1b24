// How many tasks (dependency placeholders left out) a workflow has.
MATCH (t:Task)
WHERE t.workflow_id = $id AND t._json IS NOT NULL
RETURN count(t) AS tasks
