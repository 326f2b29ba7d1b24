// One upstream step of the lifecycle report from entities: their attributes, the tasks that
// generated them and the entities they were derived from (PROV wasDerivedFrom, derived -> source).
// Time-true: an id is an entity's or a version's (a usage leads to the version it read). A version's
// generation is its own; an entity node's own generation is a flat entity's (a versioned entity's node,
// read by a usage, stands for its origin: no generation). version_generated_by lists the generations of
// the entity's versions (the subject of a report stands for all of them). A version's derivations are its
// entity's; entity_props are the properties of the entity a version is a version of.
UNWIND $ids AS id
CALL (id) {
  MATCH (e:Entity {id: id})
  RETURN e
  UNION
  MATCH (e:Version {id: id})
  RETURN e
}
RETURN e.id AS id, properties(e) AS props, e.entity_id AS entity_id,
       [(e)-[:SPECIALIZATION_OF]->(g:Entity) | properties(g)][0] AS entity_props,
       [(e)-[g:WAS_GENERATED_BY]->(t:Task) | t.task_id] AS generated_by,
       [(e)<-[:SPECIALIZATION_OF]-(:Version)-[:WAS_GENERATED_BY]->(t:Task) | t.task_id] AS version_generated_by,
       [(e)-[:WAS_DERIVED_FROM]->(s:Entity) | s.id]
         + [(e)-[:SPECIALIZATION_OF]->(:Entity)-[:WAS_DERIVED_FROM]->(s:Entity) | s.id] AS derived_from
