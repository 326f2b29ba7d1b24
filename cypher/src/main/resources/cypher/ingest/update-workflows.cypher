// Workflows seen before: changed properties (null removes), and links when campaign or parent changed.
UNWIND $rows AS r
MATCH (w:Workflow {workflow_id: r.workflow_id})
USING INDEX SEEK w:Workflow(workflow_id)
SET w += r.props
WITH w, r
CALL (w, r) {
  WITH w, r WHERE r.relink_campaign
  OPTIONAL MATCH (w)-[old:PART_OF]->(:Campaign)
  DELETE old
  WITH DISTINCT w, r
  MATCH (c:Campaign {campaign_id: r.campaign_id})
  USING INDEX SEEK c:Campaign(campaign_id)
  CREATE (w)-[:PART_OF]->(c)
}
