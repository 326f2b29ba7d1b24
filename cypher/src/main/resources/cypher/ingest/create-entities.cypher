// Entities not seen before. CREATE, not MERGE (issue 15: 37 % less CPU, docs/BENCHMARKS.md): the batch's
// read (ingest/read-entities, a write statement, hence a locking unique seek) holds the index-entry lock of
// every id it found absent, so no other writer can create one of them before this commits. Should one exist
// anyway (another ingesting server, OpenLineage or a PROV import writing around that lock), the entity_id
// uniqueness constraint refuses this CREATE and BatchWriter reads and plans the batch again, which then
// updates the stored entity (ingest/update-entities) keeping its attributes. Returns no rows.
UNWIND $rows AS r
CREATE (e:Entity)
SET e = r.props
