// The artifacts of a PROV export, one general entity after another (in id order): the entities the
// exported workflows' tasks used or generated, or whose versions they used or generated. Each general
// entity comes first (rank 0, with what it was derived from), then its versions in time order
// (generated_at, then label; versions of unknown time last), each flagged `touched` when an exported
// task used or generated it: the others are there so that each touched version can be linked to the
// version it revises.
CALL () {
  UNWIND $workflow_ids AS wid
  MATCH (t:Task)-[:USED]->(x)
  WHERE t.workflow_id = wid
  RETURN x
  UNION
  UNWIND $workflow_ids AS wid
  MATCH (x)-[:WAS_GENERATED_BY]->(t:Task)
  WHERE t.workflow_id = wid
  RETURN x
}
CALL (x) {
  WITH x WHERE x:Entity
  RETURN x AS e
  UNION
  MATCH (x:Version)-[:SPECIALIZATION_OF]->(e:Entity)
  RETURN e
}
WITH DISTINCT e
CALL (e) {
  RETURN e AS n, 0 AS rank, null AS at, null AS label, true AS touched,
         [(e)-[d:WAS_DERIVED_FROM]->(s:Entity) | {id: s.id, type: d.type}] AS sources
  UNION ALL
  MATCH (n:Version)-[:SPECIALIZATION_OF]->(e)
  RETURN n, 1 AS rank, n.generated_at AS at, n.version AS label,
         EXISTS { MATCH (n)-[:WAS_GENERATED_BY]->(t:Task) WHERE t.workflow_id IN $workflow_ids }
           OR EXISTS { MATCH (t:Task)-[:USED]->(n) WHERE t.workflow_id IN $workflow_ids } AS touched,
         [] AS sources
}
RETURN e.id AS entity, rank = 1 AS version, properties(n) AS props, touched, sources
ORDER BY entity, rank, at, label
