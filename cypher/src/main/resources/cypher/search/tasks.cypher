// Tasks whose id, activity or run name match the Lucene query $q (built by Search from escaped tokens),
// best first, at most $limit. Placeholder tasks (known only as a dependency) are left out.
CALL db.index.fulltext.queryNodes('search_tasks', $q, {limit: $limit}) YIELD node AS t, score
WHERE t._json IS NOT NULL
RETURN t.task_id AS id, t.activity_id AS activity_id, t.workflow_id AS workflow_id, t.campaign_id AS campaign_id,
       t.status AS status, coalesce(t.`custom_metadata.run_name`, t.`custom_metadata.mlflow_run_name`) AS run_name,
       score
