// Versions seen before whose properties change (a later end re-times a generation).
UNWIND $rows AS r
MATCH (v:Version {id: r.id})
USING INDEX SEEK v:Version(id)
SET v += r.props
