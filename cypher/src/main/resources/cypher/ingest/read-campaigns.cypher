// Which of the campaigns a batch names exist already.
UNWIND $ids AS id
MATCH (c:Campaign {campaign_id: id})
USING INDEX SEEK c:Campaign(campaign_id)
RETURN c.campaign_id AS id
