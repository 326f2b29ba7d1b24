// Stored observers of a batch's reports: the time of the report each holds.
UNWIND $ids AS id
MATCH (o:Observer {observer_id: id})
USING INDEX SEEK o:Observer(observer_id)
RETURN o.observer_id AS id, o.at AS at
