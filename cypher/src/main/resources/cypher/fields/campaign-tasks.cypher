// How many tasks (dependency placeholders left out) a campaign has.
MATCH (t:Task)
WHERE t.campaign_id = $id AND t._json IS NOT NULL
RETURN count(t) AS tasks
