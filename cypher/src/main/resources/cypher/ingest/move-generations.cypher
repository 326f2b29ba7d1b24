// A flat entity (one generation, recorded on the entity node) that became versioned: the task's
// generations of it move onto the version made for them. The entity is sought (hinted) and its generations
// expanded (a flat entity has one): on a store still filling Neo4j planned a scan of the Entity.id index per
// row instead, also with the task's seek hinted (ingest/IngestPlansIT). Generations always name a task.
UNWIND $rows AS r
MATCH (e:Entity {id: r.entity_id})
USING INDEX SEEK e:Entity(id)
MATCH (e)-[g:WAS_GENERATED_BY]->(t)
WHERE t.task_id = r.task_id
MATCH (v:Version {id: r.target})
USING INDEX SEEK v:Version(id)
CREATE (v)-[:WAS_GENERATED_BY {role: g.role}]->(t)
DELETE g
