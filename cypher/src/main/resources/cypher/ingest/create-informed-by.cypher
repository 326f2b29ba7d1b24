// dependencies: the task was informed by (consumed output of) an earlier task.
UNWIND $rows AS r
MATCH (t:Task {task_id: r.from})
MATCH (d:Task {task_id: r.to})
CREATE (t)-[:WAS_INFORMED_BY]->(d)
