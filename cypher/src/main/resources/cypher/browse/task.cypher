MATCH (t:Task {task_id: $id})
RETURN t._json AS json
