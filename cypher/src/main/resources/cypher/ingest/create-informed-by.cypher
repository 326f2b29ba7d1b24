// dependencies: the task was informed by (consumed output of) an earlier task.
UNWIND $rows AS r
MATCH (t:Task {task_id: r.from})
USING INDEX SEEK t:Task(task_id)
MATCH (d:Task {task_id: r.to})
USING INDEX SEEK d:Task(task_id)
CREATE (t)-[:WAS_INFORMED_BY]->(d)
