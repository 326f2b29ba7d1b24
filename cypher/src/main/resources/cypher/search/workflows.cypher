// Workflows whose id or name match the Lucene query $q, best first, at most $limit.
CALL db.index.fulltext.queryNodes('search_workflows', $q, {limit: $limit}) YIELD node AS w, score
RETURN w.workflow_id AS id, w.name AS name, w.campaign_id AS campaign_id, w.status AS status, score
