// Existing tasks of a batch (and of the tasks it depends on), with their merged document.
UNWIND $ids AS id
MATCH (t:Task {task_id: id})
RETURN t.task_id AS id, t._json AS json
