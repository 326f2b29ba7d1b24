// OpenLineage DatasetEvent / JobEvent datasets: created when missing, attributes merged key by key.
UNWIND $rows AS r
MERGE (e:Entity {id: r.id})
SET e += r.props
