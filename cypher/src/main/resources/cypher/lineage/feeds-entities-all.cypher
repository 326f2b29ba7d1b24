// The workflow feed graph's entity part, in full (server/lineage/FeedIndex, at start and on reload): per
// family (an entity and its versions, keyed by the entity's element id), which workflows consumed nodes of
// it that a task of another workflow generated, counted as distinct nodes (versions, time-true), as
// workflow-feeds.cypher counts them. Summed over the families these are workflow-feeds.cypher's entities.
MATCH (p:Task)<-[:WAS_GENERATED_BY]-(n)<-[:USED]-(c:Task)
WHERE p.workflow_id <> c.workflow_id
OPTIONAL MATCH (n)-[:SPECIALIZATION_OF]->(g:Entity)
RETURN elementId(coalesce(g, n)) AS family, c.workflow_id AS consumer, p.workflow_id AS producer,
       count(DISTINCT n) AS entities
