// One upstream step of the lifecycle report from entities: their attributes, the tasks that
// generated them and the entities they were derived from (PROV wasDerivedFrom, derived -> source).
UNWIND $ids AS id
MATCH (e:Entity {id: id})
RETURN e.id AS id, properties(e) AS props,
       [(e)-[g:WAS_GENERATED_BY]->(t:Task) | t.task_id] AS generated_by,
       [(e)-[:WAS_DERIVED_FROM]->(s:Entity) | s.id] AS derived_from
