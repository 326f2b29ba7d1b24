// Entities seen before that came with attributes: merged key by key.
UNWIND $rows AS r
MATCH (e:Entity {id: r.id})
SET e += r.props
