UNWIND $ids AS id
MERGE (:Campaign {campaign_id: id})
