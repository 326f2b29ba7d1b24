// wasDerivedFrom of an imported PROV document: derived -> source.
UNWIND $rows AS r
MERGE (d:Entity {id: r.derived})
MERGE (s:Entity {id: r.source})
MERGE (d)-[x:WAS_DERIVED_FROM]->(s)
SET x.type = r.type
