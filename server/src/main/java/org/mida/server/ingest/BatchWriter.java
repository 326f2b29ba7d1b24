package org.mida.server.ingest;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.mida.cypher.Cypher;
import org.mida.event.EntityRef;
import org.mida.event.Event;
import org.mida.event.EventCodec;
import org.mida.event.TaskEvent;
import org.mida.event.WorkflowEvent;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Record;
import org.neo4j.driver.TransactionContext;

/**
 * Writes a batch of events to Neo4j in one transaction. The events of one task are coalesced first;
 * then the batch reads what already exists (tasks and workflows with their merged documents, entity
 * ids), merges in Java with the monotonic rules of {@link TaskEvent#merge}, and writes only the
 * difference: {@code CREATE} for what is new, {@code SET} of changed properties for what exists, and
 * only relationships not there before. A replayed batch therefore writes nothing. Thread-safe (one
 * transaction per call).
 */
public final class BatchWriter {

    private static final String READ_TASKS = Cypher.load("ingest/read-tasks");
    private static final String READ_WORKFLOWS = Cypher.load("ingest/read-workflows");
    private static final String READ_ENTITIES = Cypher.load("ingest/read-entities");
    private static final String MERGE_CAMPAIGNS = Cypher.load("ingest/merge-campaigns");
    private static final String MERGE_AGENTS = Cypher.load("ingest/merge-agents");
    private static final String CREATE_WORKFLOWS = Cypher.load("ingest/create-workflows");
    private static final String UPDATE_WORKFLOWS = Cypher.load("ingest/update-workflows");
    private static final String LINK_SUB_WORKFLOWS = Cypher.load("ingest/link-sub-workflows");
    private static final String CREATE_ENTITIES = Cypher.load("ingest/create-entities");
    private static final String UPDATE_ENTITIES = Cypher.load("ingest/update-entities");
    private static final String CREATE_TASKS = Cypher.load("ingest/create-tasks");
    private static final String UPDATE_TASKS = Cypher.load("ingest/update-tasks");
    private static final String CREATE_INFORMED_BY = Cypher.load("ingest/create-informed-by");

    private final Driver driver;
    private final EventCodec codec;

    public BatchWriter(Driver driver, EventCodec codec) {
        this.driver = driver;
        this.codec = codec;
    }

    /**
     * Plans every ingest statement once (with no rows, in a transaction that is rolled back), so the
     * first real batch does not pay seconds of Cypher planning. Plans are cached per database.
     */
    public void warmUp() {
        try (var session = driver.session();
                var tx = session.beginTransaction()) {
            for (String q : List.of(READ_TASKS, READ_WORKFLOWS, READ_ENTITIES, MERGE_CAMPAIGNS))
                tx.run(q, Map.of("ids", List.of())).consume();
            for (String q : List.of(
                    MERGE_AGENTS,
                    CREATE_WORKFLOWS,
                    UPDATE_WORKFLOWS,
                    LINK_SUB_WORKFLOWS,
                    CREATE_ENTITIES,
                    UPDATE_ENTITIES,
                    CREATE_TASKS,
                    UPDATE_TASKS,
                    CREATE_INFORMED_BY)) tx.run(q, Map.of("rows", List.of())).consume();
            tx.rollback();
        }
    }

    /**
     * What one batch changed. {@code changed} holds the merged state (as now stored) of every task and
     * workflow the batch created or changed, for listeners such as the SSE stream; it only references
     * objects the batch built anyway.
     */
    public record Written(
            int tasksCreated,
            int tasksUpdated,
            int tasksUnchanged,
            int workflows,
            int entitiesCreated,
            List<Event> changed) {}

    public Written write(List<Event> events) {
        var tasks = new LinkedHashMap<String, TaskEvent>();
        var workflows = new LinkedHashMap<String, WorkflowEvent>();
        for (Event e : events) {
            if (e instanceof TaskEvent t) tasks.merge(t.taskId(), t, TaskEvent::merge);
            else if (e instanceof WorkflowEvent w) workflows.merge(w.workflowId(), w, WorkflowEvent::merge);
        }
        if (tasks.isEmpty() && workflows.isEmpty()) return new Written(0, 0, 0, 0, 0, List.of());
        try (var session = driver.session()) {
            return session.executeWrite(tx -> new Plan(tx, tasks, workflows).run());
        }
    }

    /** One attempt at writing a batch; rebuilt from scratch if the driver retries the transaction. */
    private final class Plan {
        private final TransactionContext tx;
        private final Map<String, TaskEvent> tasks;
        private final Map<String, WorkflowEvent> workflows;
        /** Workflows only named by tasks (id → campaign the task gave), created if missing. */
        private final Map<String, String> workflowStubs = new LinkedHashMap<>();

        private final Set<String> campaigns = new LinkedHashSet<>();
        private final Map<String, Map<String, Object>> agents = new LinkedHashMap<>();
        private final Map<String, Map<String, Object>> entityProps = new LinkedHashMap<>();
        private final Set<String> entitiesNeeded = new LinkedHashSet<>();
        private final List<Event> changed = new ArrayList<>();

        Plan(TransactionContext tx, Map<String, TaskEvent> tasks, Map<String, WorkflowEvent> workflows) {
            this.tx = tx;
            this.tasks = tasks;
            this.workflows = new LinkedHashMap<>(workflows);
        }

        Written run() {
            for (TaskEvent t : tasks.values()) {
                if (t.workflowId() != null) workflowStubs.merge(t.workflowId(), orEmpty(t.campaignId()), Plan::keep);
                if (t.campaignId() != null) campaigns.add(t.campaignId());
            }
            for (WorkflowEvent w : workflows.values())
                if (w.parentWorkflowId() != null) workflowStubs.putIfAbsent(w.parentWorkflowId(), "");

            int wfCount = writeWorkflows();

            var depIds = new LinkedHashSet<String>();
            for (TaskEvent t : tasks.values()) depIds.addAll(t.dependencies());
            var lookup = new ArrayList<>(tasks.keySet());
            for (String d : depIds) if (!tasks.containsKey(d)) lookup.add(d);
            Map<String, String> existing = readDocs(READ_TASKS, lookup);

            var createRows = new ArrayList<Map<String, Object>>();
            var updateRows = new ArrayList<Map<String, Object>>();
            var informedBy = new ArrayList<Map<String, Object>>();
            int unchanged = 0;
            for (TaskEvent batch : tasks.values()) {
                boolean exists = existing.containsKey(batch.taskId());
                TaskEvent old = exists ? decodeTask(batch.taskId(), existing.get(batch.taskId())) : null;
                TaskEvent merged = old == null ? batch : old.merge(batch);
                collectEntities(batch);
                Map<String, Object> props = taskProps(merged);
                Map<String, Object> row = new HashMap<>();
                row.put("task_id", merged.taskId());
                row.put("workflow_id", merged.workflowId());
                row.put("used", newRefs(merged.usedEntities(), old == null ? List.of() : old.usedEntities()));
                row.put(
                        "generated",
                        newRefs(merged.generatedEntities(), old == null ? List.of() : old.generatedEntities()));
                row.put("agents", newAgents(merged, old));
                for (String d : merged.dependencies())
                    if (old == null || !old.dependencies().contains(d))
                        informedBy.add(Map.of("from", merged.taskId(), "to", d));
                if (!exists) {
                    row.put("props", props);
                    createRows.add(row);
                    changed.add(merged);
                } else {
                    Map<String, Object> oldProps = old == null ? Map.of("task_id", batch.taskId()) : taskProps(old);
                    Map<String, Object> delta = delta(oldProps, props);
                    boolean relink = !Objects.equals(old == null ? null : old.workflowId(), merged.workflowId())
                            && merged.workflowId() != null;
                    row.put("relink_workflow", relink);
                    if (delta.isEmpty()
                            && !relink
                            && ((List<?>) row.get("used")).isEmpty()
                            && ((List<?>) row.get("generated")).isEmpty()
                            && ((List<?>) row.get("agents")).isEmpty()) {
                        unchanged++;
                        continue;
                    }
                    row.put("props", delta);
                    updateRows.add(row);
                    changed.add(merged);
                }
            }
            // tasks named only as dependencies become placeholders until their own events arrive
            for (String d : depIds) {
                if (tasks.containsKey(d) || existing.containsKey(d)) continue;
                createRows.add(Map.of(
                        "task_id",
                        d,
                        "props",
                        Map.of("task_id", d),
                        "used",
                        List.of(),
                        "generated",
                        List.of(),
                        "agents",
                        List.of()));
            }

            int entitiesCreated = writeEntities();
            if (!agents.isEmpty())
                tx.run(MERGE_AGENTS, Map.of("rows", new ArrayList<>(agents.values())))
                        .consume();
            if (!createRows.isEmpty())
                tx.run(CREATE_TASKS, Map.of("rows", createRows)).consume();
            if (!updateRows.isEmpty())
                tx.run(UPDATE_TASKS, Map.of("rows", updateRows)).consume();
            if (!informedBy.isEmpty())
                tx.run(CREATE_INFORMED_BY, Map.of("rows", informedBy)).consume();
            int created = (int) createRows.stream()
                    .filter(r -> tasks.containsKey((String) r.get("task_id")))
                    .count();
            return new Written(created, updateRows.size(), unchanged, wfCount, entitiesCreated, changed);
        }

        private int writeWorkflows() {
            var ids = new LinkedHashSet<String>(workflows.keySet());
            ids.addAll(workflowStubs.keySet());
            if (ids.isEmpty()) {
                mergeCampaigns();
                return 0;
            }
            Map<String, String> existing = readDocs(READ_WORKFLOWS, new ArrayList<>(ids));
            var createRows = new ArrayList<Map<String, Object>>();
            var updateRows = new ArrayList<Map<String, Object>>();
            var subLinks = new ArrayList<Map<String, Object>>();
            for (String id : ids) {
                boolean exists = existing.containsKey(id);
                WorkflowEvent old = exists ? decodeWorkflow(id, existing.get(id)) : null;
                WorkflowEvent batch = workflows.get(id);
                WorkflowEvent merged = old == null ? batch : batch == null ? old : old.merge(batch);
                if (merged == null) merged = WorkflowEvent.of(id, null, null);
                String stubCampaign = workflowStubs.get(id);
                if (merged.campaignId() == null && stubCampaign != null && !stubCampaign.isEmpty())
                    merged = merged.merge(WorkflowEvent.of(id, stubCampaign, null));
                if (merged.campaignId() != null) campaigns.add(merged.campaignId());
                if (merged.parentWorkflowId() != null
                        && (old == null || !merged.parentWorkflowId().equals(old.parentWorkflowId())))
                    subLinks.add(Map.of("workflow_id", id, "parent_workflow_id", merged.parentWorkflowId()));
                Map<String, Object> props = workflowProps(merged);
                var row = new HashMap<String, Object>();
                row.put("workflow_id", id);
                row.put("campaign_id", merged.campaignId());
                if (!exists) {
                    row.put("props", props);
                    createRows.add(row);
                    changed.add(merged);
                } else {
                    Map<String, Object> oldProps = old == null ? Map.of("workflow_id", id) : workflowProps(old);
                    Map<String, Object> delta = delta(oldProps, props);
                    boolean relink = merged.campaignId() != null
                            && !merged.campaignId().equals(old == null ? null : old.campaignId());
                    if (delta.isEmpty() && !relink) continue;
                    row.put("props", delta);
                    row.put("relink_campaign", relink);
                    updateRows.add(row);
                    changed.add(merged);
                }
            }
            mergeCampaigns();
            if (!createRows.isEmpty())
                tx.run(CREATE_WORKFLOWS, Map.of("rows", createRows)).consume();
            if (!updateRows.isEmpty())
                tx.run(UPDATE_WORKFLOWS, Map.of("rows", updateRows)).consume();
            if (!subLinks.isEmpty())
                tx.run(LINK_SUB_WORKFLOWS, Map.of("rows", subLinks)).consume();
            return createRows.size() + updateRows.size();
        }

        private void mergeCampaigns() {
            if (!campaigns.isEmpty())
                tx.run(MERGE_CAMPAIGNS, Map.of("ids", new ArrayList<>(campaigns)))
                        .consume();
            campaigns.clear();
        }

        private int writeEntities() {
            if (entitiesNeeded.isEmpty()) return 0;
            var ids = new ArrayList<>(entitiesNeeded);
            var existing = new HashSet<String>();
            for (Record r : tx.run(READ_ENTITIES, Map.of("ids", ids)).list())
                existing.add(r.get("id").asString());
            var createRows = new ArrayList<Map<String, Object>>();
            var updateRows = new ArrayList<Map<String, Object>>();
            for (String id : ids) {
                Map<String, Object> props = entityProps.getOrDefault(id, Map.of());
                if (!existing.contains(id)) {
                    var all = new HashMap<String, Object>(props);
                    all.put("id", id);
                    createRows.add(Map.of("props", all));
                } else if (!props.isEmpty()) {
                    updateRows.add(Map.of("id", id, "props", props));
                }
            }
            if (!createRows.isEmpty())
                tx.run(CREATE_ENTITIES, Map.of("rows", createRows)).consume();
            if (!updateRows.isEmpty())
                tx.run(UPDATE_ENTITIES, Map.of("rows", updateRows)).consume();
            return createRows.size();
        }

        private void collectEntities(TaskEvent batch) {
            for (List<EntityRef> refs : List.of(batch.usedEntities(), batch.generatedEntities())) {
                for (EntityRef ref : refs) {
                    entitiesNeeded.add(ref.id());
                    Map<String, Object> props = entityProps.computeIfAbsent(ref.id(), k -> new LinkedHashMap<>());
                    if (ref.type() != null) props.put("type", ref.type());
                    for (var a : ref.attributes().entrySet()) {
                        String key = switch (a.getKey()) {
                            case "id", "type", "_json" -> "attr." + a.getKey();
                            default -> a.getKey();
                        };
                        Object v = GraphValues.storable(a.getValue(), codec::toJson);
                        if (v != null) props.put(key, v);
                    }
                }
            }
        }

        private List<Map<String, Object>> newRefs(List<EntityRef> now, List<EntityRef> before) {
            if (now.isEmpty()) return List.of();
            var seen = new HashSet<String>();
            for (EntityRef r : before) seen.add(r.role() + '\u0000' + r.id());
            var out = new ArrayList<Map<String, Object>>();
            for (EntityRef r : now) {
                if (!seen.add(r.role() + '\u0000' + r.id())) continue;
                entitiesNeeded.add(r.id());
                out.add(Map.of("id", r.id(), "role", r.role()));
            }
            return out;
        }

        private List<Map<String, Object>> newAgents(TaskEvent now, TaskEvent before) {
            var out = new ArrayList<Map<String, Object>>(2);
            agent(out, "user", now.user(), before == null ? null : before.user());
            agent(out, "host", now.hostname(), before == null ? null : before.hostname());
            return out;
        }

        private void agent(List<Map<String, Object>> out, String kind, String name, String before) {
            if (name == null || name.equals(before)) return;
            String id = kind + ":" + name;
            agents.putIfAbsent(id, Map.of("id", id, "kind", kind, "name", name));
            out.add(Map.of("id", id, "role", kind));
        }

        private Map<String, String> readDocs(String statement, List<String> ids) {
            var out = new HashMap<String, String>();
            if (ids.isEmpty()) return out;
            for (Record r : tx.run(statement, Map.of("ids", ids)).list()) {
                var json = r.get("json");
                out.put(r.get("id").asString(), json.isNull() ? null : json.asString());
            }
            return out;
        }

        private static String keep(String a, String b) {
            return a.isEmpty() ? b : a;
        }

        private static String orEmpty(String s) {
            return s == null ? "" : s;
        }
    }

    TaskEvent decodeTask(String id, String json) {
        if (json == null) return null;
        try {
            return (TaskEvent) codec.decodeEvent(codec.parse(json));
        } catch (Exception e) {
            throw new IllegalStateException("stored document of task " + id + " is unreadable", e);
        }
    }

    WorkflowEvent decodeWorkflow(String id, String json) {
        if (json == null) return null;
        try {
            return (WorkflowEvent) codec.decodeEvent(codec.parse(json));
        } catch (Exception e) {
            throw new IllegalStateException("stored document of workflow " + id + " is unreadable", e);
        }
    }

    /** The properties a task node gets for this (merged) task; for tools that write the same graph. */
    public Map<String, Object> taskProperties(TaskEvent t) {
        return taskProps(t);
    }

    /** The properties a workflow node gets for this (merged) workflow. */
    public Map<String, Object> workflowProperties(WorkflowEvent w) {
        return workflowProps(w);
    }

    Map<String, Object> taskProps(TaskEvent t) {
        var p = new HashMap<String, Object>();
        p.put("task_id", t.taskId());
        put(p, "workflow_id", t.workflowId());
        put(p, "campaign_id", t.campaignId());
        put(p, "activity_id", t.activityId());
        put(p, "status", t.status() == null ? null : t.status().name());
        put(p, "submitted_at", t.submittedAt());
        put(p, "started_at", t.startedAt());
        put(p, "ended_at", t.endedAt());
        put(p, "duration", t.duration());
        put(p, "parent_task_id", t.parentTaskId());
        put(p, "group_id", t.groupId());
        put(p, "subtype", t.subtype());
        put(p, "adapter_id", t.adapterId());
        put(p, "hostname", t.hostname());
        put(p, "node_name", t.nodeName());
        put(p, "login_name", t.loginName());
        put(p, "user", t.user());
        if (!t.tags().isEmpty()) p.put("tags", t.tags());
        if (!t.dependencies().isEmpty()) p.put("dependencies", t.dependencies());
        GraphValues.flatten("used", t.used(), p, codec::toJson);
        GraphValues.flatten("generated", t.generated(), p, codec::toJson);
        p.put("_json", codec.encode(t));
        return p;
    }

    Map<String, Object> workflowProps(WorkflowEvent w) {
        var p = new HashMap<String, Object>();
        p.put("workflow_id", w.workflowId());
        put(p, "campaign_id", w.campaignId());
        put(p, "name", w.name());
        put(p, "parent_workflow_id", w.parentWorkflowId());
        put(p, "adapter_id", w.adapterId());
        put(p, "user", w.user());
        put(p, "environment_id", w.environmentId());
        put(p, "started_at", w.startedAt());
        put(p, "ended_at", w.endedAt());
        put(p, "status", w.status() == null ? null : w.status().name());
        GraphValues.flatten("used", w.used(), p, codec::toJson);
        GraphValues.flatten("generated", w.generated(), p, codec::toJson);
        p.put("_json", codec.encode(w));
        return p;
    }

    /** Changed and new properties; removed ones map to null (which {@code SET +=} removes). */
    static Map<String, Object> delta(Map<String, Object> before, Map<String, Object> after) {
        var d = new HashMap<String, Object>();
        for (var e : after.entrySet())
            if (!Objects.equals(before.get(e.getKey()), e.getValue())) d.put(e.getKey(), e.getValue());
        for (String k : before.keySet()) if (!after.containsKey(k)) d.put(k, null);
        return d;
    }

    private static void put(Map<String, Object> m, String k, Object v) {
        if (v != null) m.put(k, v);
    }
}
