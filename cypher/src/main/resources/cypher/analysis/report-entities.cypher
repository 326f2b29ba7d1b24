// One upstream step of the lifecycle report from entities: their attributes, the tasks that
// generated them and the entities they were derived from (PROV wasDerivedFrom, derived -> source).
// An id is an entity's or a version's (time-true: a usage leads to the version it read). An entity's
// generations are its versions'; a version's derivations are its entity's.
UNWIND $ids AS id
CALL (id) {
  MATCH (e:Entity {id: id})
  RETURN e
  UNION
  MATCH (e:Version {id: id})
  RETURN e
}
RETURN e.id AS id, properties(e) AS props,
       [(e)-[g:WAS_GENERATED_BY]->(t:Task) | t.task_id]
         + [(e)<-[:SPECIALIZATION_OF]-(:Version)-[:WAS_GENERATED_BY]->(t:Task) | t.task_id] AS generated_by,
       [(e)-[:WAS_DERIVED_FROM]->(s:Entity) | s.id]
         + [(e)-[:SPECIALIZATION_OF]->(:Entity)-[:WAS_DERIVED_FROM]->(s:Entity) | s.id] AS derived_from
