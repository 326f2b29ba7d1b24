UNWIND $rows AS r
MERGE (a:Agent {id: r.id})
  ON CREATE SET a.kind = r.kind, a.name = r.name
