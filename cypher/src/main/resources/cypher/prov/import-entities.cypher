// Artifacts declared in an imported PROV document, with their attributes (merged key by key).
UNWIND $rows AS r
MERGE (e:Entity {id: r.id})
SET e += r.props
