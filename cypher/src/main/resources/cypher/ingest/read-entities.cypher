// Which of the entities a batch names exist already, with the properties they hold.
UNWIND $ids AS id
MATCH (e:Entity {id: id})
RETURN e.id AS id, properties(e) AS props
