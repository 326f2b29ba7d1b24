// Which of the entities a batch names exist already, with the properties they hold and those of each of
// their versions.
UNWIND $ids AS id
MATCH (e:Entity {id: id})
RETURN e.id AS id, properties(e) AS props,
       [(e)<-[:SPECIALIZATION_OF]-(v:Version) | properties(v)] AS versions
