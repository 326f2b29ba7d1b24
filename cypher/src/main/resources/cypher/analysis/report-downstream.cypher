// Downstream of the lifecycle report's subject: the tasks that used the entity, any of its versions or its
// origin (an evaluation of a model), most recent first, at most $limit; total counts them all.
CALL () {
  MATCH (e:Entity {id: $id})
  RETURN e
  UNION
  MATCH (:Entity {id: $id})<-[:SPECIALIZATION_OF]-(e:Version)
  RETURN e
  UNION
  MATCH (e:Version {id: $id})
  RETURN e
}
MATCH (t:Task)-[:USED]->(e)
WITH DISTINCT t
ORDER BY coalesce(t.started_at, t.submitted_at, t.ended_at) DESC, t.task_id
WITH collect(t.task_id) AS ids
RETURN ids[0..$limit] AS ids, size(ids) AS total
