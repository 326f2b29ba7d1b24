// Write-locks the field registry scopes a batch registers keys in (or is refused keys by the scope's
// bound), made on first use; the caller sorts them and reads the scopes' registered keys afresh after,
// so the per-scope bound and the registry hold when several servers ingest.
UNWIND $scopes AS scope
MERGE (s:FieldScope {scope: scope})
SET s.scope = scope
