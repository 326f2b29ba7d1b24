// One observer's latest report and when it reached the server.
MATCH (o:Observer {observer_id: $id})
RETURN o._json AS json, o.received_at AS received_at
