// Agents of an imported PROV document that are not a task's user or host.
UNWIND $rows AS r
MERGE (a:Agent {id: r.id})
SET a.kind = coalesce(r.kind, a.kind), a.name = coalesce(r.name, a.name)
