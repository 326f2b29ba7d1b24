// The field registry: the flattened keys each scope (c:<campaign>, w:<workflow> for tasks without a
// campaign) already made queryable, read once per scope by the ingest's cache (and again, under the scope's
// lock, by a batch that registers keys there). Only the (scope, name) uniqueness constraint's index covers
// Field.scope, and a composite index serves a seek only with a predicate on each of its properties: hence
// the `name IS NOT NULL` (every Field has a name) and the hint; without them every read scanned all the
// Field nodes of all the campaigns (the label, or the name index).
UNWIND $scopes AS scope
OPTIONAL MATCH (f:Field {scope: scope})
USING INDEX f:Field(scope, name)
WHERE f.name IS NOT NULL
RETURN scope, collect(f.name) AS names
