// Observer status reports: the latest per observer, replacing the stored one (a report is a snapshot).
// The plan only sends reports newer than the stored one; the guard keeps that so when two ingesters
// write the same observer at once.
UNWIND $rows AS r
MERGE (o:Observer {observer_id: r.observer_id})
WITH o, r
WHERE o.at IS NULL OR o.at < r.at
SET o = r.props
