// Versions of entities not seen before: one per generation (and per version a usage names that no
// generation made), each a specialization of its entity. MERGE, not CREATE: another writer may have
// made the version between this batch's read and now.
UNWIND $rows AS r
MATCH (e:Entity {id: r.entity_id})
USING INDEX SEEK e:Entity(id)
MERGE (v:Version {id: r.id})
  ON CREATE SET v = r.props
  ON MATCH SET v += r.props
MERGE (v)-[:SPECIALIZATION_OF]->(e)
