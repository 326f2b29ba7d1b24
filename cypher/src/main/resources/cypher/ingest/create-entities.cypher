// Entities not seen before. MERGE, not CREATE: another writer (OpenLineage DatasetEvents, PROV
// import) may have created one between this batch's read and now; its attributes are kept.
UNWIND $rows AS r
MERGE (e:Entity {id: r.props.id})
ON CREATE SET e = r.props
ON MATCH SET e += r.props
