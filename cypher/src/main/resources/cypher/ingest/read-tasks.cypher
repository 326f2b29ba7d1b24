// Existing tasks of a batch (and of the tasks it depends on), with their merged document. Each is
// write-locked before it is read (setting its id to itself changes nothing but takes the node's write lock,
// held to the commit), so another ingesting server merging events of the same task waits for this batch and
// then reads what it wrote: no lost update. The caller sorts the ids, so two batches lock in one order.
UNWIND $ids AS id
MATCH (t:Task {task_id: id})
USING INDEX SEEK t:Task(task_id)
SET t.task_id = id
RETURN t.task_id AS id, t._json AS json
