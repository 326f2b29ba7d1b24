// The usages of the feed index's family members it could not count from what it kept between batches
// (server/lineage/FeedIndex.Members, after feeds-entities.cypher): per member (element id), every USED
// relationship's id and the using task's workflow (null for a node that is not a task, or has none).
UNWIND $members AS eid
MATCH (m)
WHERE elementId(m) = eid
RETURN eid AS member, [(m)<-[u:USED]-(c) | [id(u), CASE WHEN c:Task THEN c.workflow_id END]] AS usages
