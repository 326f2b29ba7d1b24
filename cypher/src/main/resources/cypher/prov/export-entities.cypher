// The artifacts the exported workflows' tasks used or generated, each once, with what they were
// derived from.
CALL (){
  UNWIND $workflow_ids AS wid
  MATCH (t:Task)-[:USED]->(e:Entity)
  WHERE t.workflow_id = wid
  RETURN e
  UNION
  UNWIND $workflow_ids AS wid
  MATCH (e:Entity)-[:WAS_GENERATED_BY]->(t:Task)
  WHERE t.workflow_id = wid
  RETURN e
}
RETURN properties(e) AS props,
       [(e)-[d:WAS_DERIVED_FROM]->(s:Entity) | {id: s.id, type: d.type}] AS sources
ORDER BY e.id
