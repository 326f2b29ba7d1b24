// Entities not seen before. MERGE, not CREATE: another writer (OpenLineage DatasetEvents, PROV
// import) may have created one between this batch's read and now; its attributes are kept. One that
// another ingesting server created meanwhile (it has a generation, a usage or a version, which only the
// ingest makes) is returned: the batch was planned on a state that is gone and is planned again.
UNWIND $rows AS r
MERGE (e:Entity {id: r.props.id})
ON CREATE SET e = r.props
ON MATCH SET e += r.props
WITH e
WHERE EXISTS { (e)-[:WAS_GENERATED_BY|USED|SPECIALIZATION_OF]-() }
RETURN e.id AS conflict
