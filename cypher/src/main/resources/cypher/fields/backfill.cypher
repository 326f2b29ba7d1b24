// Once, at start: registers the flattened keys of the tasks and workflows a store holds from before the
// field registry existed (run only while no Field node exists). $task and $workflow are the fixed
// property names of each, left out.
MATCH (n)
WHERE (n:Task OR n:Workflow) AND n._json IS NOT NULL
CALL (n) {
  WITH n,
       CASE
         WHEN n.campaign_id IS NOT NULL THEN 'c:' + n.campaign_id
         WHEN n.workflow_id IS NOT NULL THEN 'w:' + n.workflow_id
         ELSE '-'
       END AS scope,
       CASE WHEN n:Task THEN $task ELSE $workflow END AS fixed
  UNWIND [k IN keys(n) WHERE NOT k STARTS WITH '_' AND NOT k IN fixed] AS name
  MERGE (:Field {scope: scope, name: name})
} IN TRANSACTIONS OF 1000 ROWS
