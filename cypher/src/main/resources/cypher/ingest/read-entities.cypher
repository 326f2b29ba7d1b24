// Which of the entities a batch names exist already.
UNWIND $ids AS id
MATCH (e:Entity {id: id})
RETURN e.id AS id
