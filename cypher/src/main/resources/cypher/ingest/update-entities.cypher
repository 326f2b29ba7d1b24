// Entities seen before that came with attributes: merged key by key.
UNWIND $rows AS r
MATCH (e:Entity {id: r.id})
USING INDEX SEEK e:Entity(id)
SET e += r.props
