// Workflows not seen before; campaigns and parents are merged before this runs.
UNWIND $rows AS r
CREATE (w:Workflow:Activity)
SET w = r.props
WITH w, r
CALL (w, r) {
  MATCH (c:Campaign {campaign_id: r.campaign_id})
  USING INDEX SEEK c:Campaign(campaign_id)
  CREATE (w)-[:PART_OF]->(c)
}
