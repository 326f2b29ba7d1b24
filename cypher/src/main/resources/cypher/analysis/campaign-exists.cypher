MATCH (c:Campaign {campaign_id: $id})
RETURN c.campaign_id AS id
