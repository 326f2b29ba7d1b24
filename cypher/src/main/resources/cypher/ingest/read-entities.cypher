// Which of the entities a batch names exist already, with the properties they hold and those of each of
// their versions (and origin node), and the generations recorded on the entity itself (a flat entity).
// Rows {id, usages}: for the entities whose versions the batch may change (`usages` true), also every
// stored usage of the entity or of one of its versions: the using task, the role, the version the usage
// named (if any) and when the task used it (its start, else its submission, else its end).
// Each entity is write-locked before it is read (as in read-tasks; the caller sorts the rows): its versions,
// generations and usages change only in a transaction that holds that lock.
UNWIND $rows AS row
MATCH (e:Entity {id: row.id})
USING INDEX SEEK e:Entity(id)
SET e.id = row.id
RETURN e.id AS id, properties(e) AS props,
       [(e)<-[:SPECIALIZATION_OF]-(v:Version) | properties(v)] AS versions,
       [(e)-[g:WAS_GENERATED_BY]->(t:Task) | {task_id: t.task_id, role: g.role,
         at: coalesce(t.ended_at, t.started_at, t.submitted_at)}] AS generations,
       CASE WHEN row.usages THEN
         [(e)<-[r:USED]-(t:Task) | {task_id: t.task_id, role: r.role, version: r.version,
           at: coalesce(t.started_at, t.submitted_at, t.ended_at)}] +
         [(e)<-[:SPECIALIZATION_OF]-(:Version)<-[r:USED]-(t:Task) | {task_id: t.task_id, role: r.role,
           version: r.version, at: coalesce(t.started_at, t.submitted_at, t.ended_at)}]
       ELSE [] END AS usages
