// The numeric material of one campaign's tasks for the correlation analysis: the flattened
// used.* / generated.* properties as [key, value] pairs, the duration and, only when asked, the
// stored document (for its telemetry). Rows stream; no sort.
MATCH (t:Task)
WHERE t.campaign_id = $scope
  AND ($activity_id IS NULL OR t.activity_id = $activity_id)
  AND ($status IS NULL OR t.status = $status)
RETURN t.duration AS duration,
       [k IN keys(t) WHERE k STARTS WITH 'used.' OR k STARTS WITH 'generated.' | [k, t[k]]] AS props,
       CASE WHEN $telemetry THEN t._json END AS json
LIMIT $limit
