// Which of the entities a batch names exist already, with the properties they hold and those of each of
// their versions (and origin node), and the generations recorded on the entity itself (a flat entity).
UNWIND $ids AS id
MATCH (e:Entity {id: id})
RETURN e.id AS id, properties(e) AS props,
       [(e)<-[:SPECIALIZATION_OF]-(v:Version) | properties(v)] AS versions,
       [(e)-[g:WAS_GENERATED_BY]->(t:Task) | {task_id: t.task_id, role: g.role,
         at: coalesce(t.ended_at, t.started_at, t.submitted_at)}] AS generations
