// Every observer's latest report and when it reached the server, by observer_id.
MATCH (o:Observer)
RETURN o._json AS json, o.received_at AS received_at
ORDER BY o.observer_id
