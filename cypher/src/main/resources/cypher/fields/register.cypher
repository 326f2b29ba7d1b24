// New keys a batch made queryable, one row per (scope, name); idempotent.
UNWIND $rows AS r
MERGE (:Field {scope: r.scope, name: r.name})
