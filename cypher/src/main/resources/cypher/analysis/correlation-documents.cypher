// The stored documents of the given tasks, for their telemetry: the correlation analysis reads its tasks'
// numbers from the columnar mirror and only the documents that hold telemetry from here.
UNWIND $ids AS id
MATCH (t:Task {task_id: id})
RETURN id, t._json AS json
