// The field registry: the flattened keys each scope (c:<campaign>, w:<workflow> for tasks without a
// campaign) already made queryable, read once per scope by the ingest's cache.
UNWIND $scopes AS scope
OPTIONAL MATCH (f:Field {scope: scope})
RETURN scope, collect(f.name) AS names
