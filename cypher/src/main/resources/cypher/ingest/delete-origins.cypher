// Origin nodes of flat entities that no usage points at any more (a generation was re-timed, a task's
// start arrived, the entity became versioned): deleted, so the graph is the same whatever the order of
// arrival.
UNWIND $ids AS id
MATCH (o:Version {id: id})
USING INDEX SEEK o:Version(id)
  WHERE o.origin AND NOT (o)<-[:USED]-()
DETACH DELETE o
