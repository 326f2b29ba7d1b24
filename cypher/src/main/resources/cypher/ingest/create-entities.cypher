// Entities not seen before.
UNWIND $rows AS r
CREATE (e:Entity)
SET e = r.props
