// One upstream step of the lifecycle report from tasks: the task's document and core fields, what it
// used and generated (with roles), the tasks it was informed by, its agents and its workflow. Time-true:
// a usage names the node it read (a version, an origin, a flat entity); a generation names the entity.
UNWIND $ids AS id
MATCH (t:Task {task_id: id})
OPTIONAL MATCH (t)-[:PART_OF]->(w:Workflow)
RETURN t.task_id AS id, t._json AS json,
       t {.workflow_id, .campaign_id, .activity_id, .status, .submitted_at, .started_at, .ended_at,
          .duration, .hostname, .user, .adapter_id} AS core,
       [k IN keys(t) WHERE k STARTS WITH 'used.' OR k STARTS WITH 'generated.' | [k, t[k]]] AS flat,
       [(t)-[u:USED]->(e) WHERE e:Entity OR e:Version | {id: e.id, role: u.role}] AS used,
       [(e)-[g:WAS_GENERATED_BY]->(t) WHERE e:Entity OR e:Version | {id: coalesce(e.entity_id, e.id), role: g.role}] AS generated,
       [(t)-[:WAS_INFORMED_BY]->(d:Task) | d.task_id] AS informed_by,
       [(t)-[:WAS_ASSOCIATED_WITH]->(a:Agent) | a {.id, .kind, .name}] AS agents,
       w {.workflow_id, .name, .campaign_id, .started_at, .ended_at, .status} AS workflow
