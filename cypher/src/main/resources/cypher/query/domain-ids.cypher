// Domain ids of nodes named by element id (read-only Cypher: a relationship's _start and _end).
UNWIND $ids AS id
MATCH (n)
WHERE elementId(n) = id
RETURN id, coalesce(n.task_id, n.workflow_id, n.id, n.campaign_id) AS domain_id
