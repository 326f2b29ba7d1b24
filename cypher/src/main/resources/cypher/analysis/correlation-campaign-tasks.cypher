// The numeric material of one campaign's tasks for the correlation analysis: the flattened
// used.* / generated.* properties as [key, value] pairs, the duration and, only when asked, the
// stored document (for its telemetry). Which tasks, when there are more than $limit: the most recent by
// ended_at (tasks without one last, ties by task_id), the same choice the columnar mirror makes
// (server/columnar/MirrorScan); the rows come in that order.
MATCH (t:Task)
WHERE t.campaign_id = $scope
  AND ($activity_id IS NULL OR t.activity_id = $activity_id)
  AND ($status IS NULL OR t.status = $status)
WITH t
ORDER BY t.ended_at IS NULL, t.ended_at DESC, t.task_id
LIMIT $limit
RETURN t.duration AS duration,
       [k IN keys(t) WHERE k STARTS WITH 'used.' OR k STARTS WITH 'generated.' | [k, t[k]]] AS props,
       CASE WHEN $telemetry THEN t._json END AS json
