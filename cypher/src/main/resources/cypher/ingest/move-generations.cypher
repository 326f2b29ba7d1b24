// A flat entity (one generation, recorded on the entity node) that became versioned: the task's
// generations of it move onto the version made for them. The task's seek is hinted: on a store still
// filling, Neo4j planned a scan of the Entity.id index per row instead (ingest/IngestPlansIT).
UNWIND $rows AS r
MATCH (e:Entity {id: r.entity_id})-[g:WAS_GENERATED_BY]->(t:Task {task_id: r.task_id})
USING INDEX SEEK t:Task(task_id)
MATCH (v:Version {id: r.target})
CREATE (v)-[:WAS_GENERATED_BY {role: g.role}]->(t)
DELETE g
