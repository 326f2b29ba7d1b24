package org.mida.server.analysis;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeMap;
import org.mida.cypher.Cypher;
import org.mida.event.EntityRef;
import org.mida.event.EventCodec;
import org.mida.server.http.ApiException;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Record;
import org.neo4j.driver.TransactionContext;
import org.neo4j.driver.Value;

/**
 * The documented lifecycle of a model or dataset (paper IV-D, first analysis): walks upstream from an
 * entity (or a task) through {@code WAS_GENERATED_BY} (entity → the task that made it), {@code USED}
 * (task → its inputs), {@code WAS_INFORMED_BY} (task → the tasks it depended on) and {@code
 * WAS_DERIVED_FROM} (entity → its source), across workflows and campaigns, breadth first, one batched
 * read per step, all in one read transaction. The walk stops at {@code maxDepth} steps or {@code
 * maxNodes} tasks + entities and says so ({@code truncated}). Steps come out from the raw data to the
 * subject: in dependency order, ties by start time.
 */
public final class LifecycleReport {
    private static final String SUBJECT = Cypher.load("analysis/report-subject");
    private static final String ENTITIES = Cypher.load("analysis/report-entities");
    private static final String TASKS = Cypher.load("analysis/report-tasks");

    private final Driver driver;
    private final EventCodec codec;

    public LifecycleReport(Driver driver, EventCodec codec) {
        this.driver = driver;
        this.codec = codec;
    }

    private static final class EntityInfo {
        final String id;
        Map<String, Object> props = Map.of();
        List<String> generatedBy = List.of();
        List<String> derivedFrom = List.of();
        boolean examined;

        EntityInfo(String id) {
            this.id = id;
        }
    }

    private static final class TaskInfo {
        final String id;
        Map<String, Object> step;
        List<Map<String, Object>> used = List.of();
        List<Map<String, Object>> generated = List.of();
        List<String> informedBy = List.of();
        Map<String, Object> workflow;
        List<Map<String, Object>> agents = List.of();
        Double startedAt;
        boolean examined;

        TaskInfo(String id) {
            this.id = id;
        }
    }

    /** The report as a JSON-ready map; 404 when the id is neither an entity nor a task. */
    public Map<String, Object> build(String id, int maxDepth, int maxNodes) {
        try (var session = driver.session()) {
            return session.executeRead(tx -> walk(tx, id, maxDepth, maxNodes));
        }
    }

    private Map<String, Object> walk(TransactionContext tx, String id, int maxDepth, int maxNodes) {
        Record subject = tx.run(SUBJECT, Map.of("id", id)).single();
        boolean isEntity = subject.get("entity").asBoolean();
        boolean isTask = subject.get("task").asBoolean();
        if (!isEntity && !isTask) {
            if (subject.get("workflow").asBoolean())
                throw ApiException.notFound("'" + id + "' is a workflow; a lifecycle report starts from an entity"
                        + " (a model, a dataset: an '@id' in used/generated) or a task id");
            throw ApiException.notFound("no entity or task '" + id + "'");
        }
        var entities = new LinkedHashMap<String, EntityInfo>();
        var tasks = new LinkedHashMap<String, TaskInfo>();
        List<String> entityFrontier = new ArrayList<>();
        List<String> taskFrontier = new ArrayList<>();
        if (isEntity) {
            entities.put(id, new EntityInfo(id));
            entityFrontier.add(id);
        } else {
            tasks.put(id, new TaskInfo(id));
            taskFrontier.add(id);
        }
        int depth = 0;
        String truncated = null;
        while (!entityFrontier.isEmpty() || !taskFrontier.isEmpty()) {
            if (depth >= maxDepth) {
                truncated = "depth limit of " + maxDepth + " steps reached";
                break;
            }
            depth++;
            var nextEntities = new LinkedHashSet<String>();
            var nextTasks = new LinkedHashSet<String>();
            if (!entityFrontier.isEmpty()) {
                for (Record r : tx.run(ENTITIES, Map.of("ids", entityFrontier)).list()) {
                    EntityInfo e = entities.get(r.get("id").asString());
                    e.props = new TreeMap<>(r.get("props").asMap());
                    e.generatedBy = r.get("generated_by").asList(Value::asString);
                    e.derivedFrom = r.get("derived_from").asList(Value::asString);
                    e.examined = true;
                    for (String t : e.generatedBy) if (!tasks.containsKey(t)) nextTasks.add(t);
                    for (String s : e.derivedFrom) if (!entities.containsKey(s)) nextEntities.add(s);
                }
            }
            if (!taskFrontier.isEmpty()) {
                for (Record r : tx.run(TASKS, Map.of("ids", taskFrontier)).list()) {
                    TaskInfo t = tasks.get(r.get("id").asString());
                    readTask(t, r);
                    for (Map<String, Object> u : t.used) {
                        String e = (String) u.get("id");
                        if (!entities.containsKey(e)) nextEntities.add(e);
                    }
                    for (String d : t.informedBy) if (!tasks.containsKey(d)) nextTasks.add(d);
                }
            }
            if (entities.size() + tasks.size() + nextEntities.size() + nextTasks.size() > maxNodes) {
                truncated = "node limit of " + maxNodes + " tasks and entities reached";
                int room = Math.max(0, maxNodes - entities.size() - tasks.size());
                nextTasks = firstN(nextTasks, room);
                nextEntities = firstN(nextEntities, room - nextTasks.size());
            }
            for (String e : nextEntities) entities.put(e, new EntityInfo(e));
            for (String t : nextTasks) tasks.put(t, new TaskInfo(t));
            entityFrontier = new ArrayList<>(nextEntities);
            taskFrontier = new ArrayList<>(nextTasks);
            if (truncated != null) break;
        }
        return assemble(id, isEntity, entities, tasks, depth, truncated);
    }

    private static LinkedHashSet<String> firstN(LinkedHashSet<String> s, int n) {
        var out = new LinkedHashSet<String>();
        for (String x : s) {
            if (out.size() >= Math.max(0, n)) break;
            out.add(x);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private void readTask(TaskInfo t, Record r) {
        t.examined = true;
        Map<String, Object> core = r.get("core").asMap();
        t.used = r.get("used").asList(Value::asMap);
        t.generated = r.get("generated").asList(Value::asMap);
        t.informedBy = r.get("informed_by").asList(Value::asString);
        t.agents = r.get("agents").asList(Value::asMap);
        t.workflow = r.get("workflow").isNull() ? null : r.get("workflow").asMap();
        Map<String, Object> doc = null;
        if (!r.get("json").isNull()) {
            try {
                doc = (Map<String, Object>) codec.parse(r.get("json").asString());
            } catch (Exception e) {
                doc = null;
            }
        }
        var step = new LinkedHashMap<String, Object>();
        step.put("task_id", t.id);
        for (String k : List.of("activity_id", "workflow_id", "campaign_id", "status")) step.put(k, core.get(k));
        for (String k : List.of("submitted_at", "started_at", "ended_at", "duration")) step.put(k, core.get(k));
        for (String k : List.of("hostname", "user", "adapter_id")) step.put(k, core.get(k));
        if (t.workflow != null && step.get("campaign_id") == null)
            step.put("campaign_id", t.workflow.get("campaign_id"));
        Map<String, Object> params = new LinkedHashMap<>();
        Map<String, Object> results = new LinkedHashMap<>();
        if (doc != null) {
            primitives(doc.get("used"), params);
            primitives(doc.get("generated"), results);
        } else {
            var entityIds = new HashSet<String>();
            for (var u : t.used) entityIds.add((String) u.get("id"));
            for (var g : t.generated) entityIds.add((String) g.get("id"));
            for (Value pair : r.get("flat").values()) {
                String k = pair.get(0).asString();
                Object v = pair.get(1).asObject();
                if (v instanceof String s && entityIds.contains(s)) continue;
                if (k.startsWith("used.")) params.put(k.substring(5), v);
                else results.put(k.substring(10), v);
            }
        }
        step.put("parameters", params);
        step.put("results", results);
        step.put("inputs", t.used);
        step.put("outputs", t.generated);
        step.put("informed_by", t.informedBy);
        if (doc != null) {
            var telemetry = new LinkedHashMap<String, Object>();
            if (doc.get("telemetry_at_start") != null) telemetry.put("at_start", doc.get("telemetry_at_start"));
            if (doc.get("telemetry_at_end") != null) telemetry.put("at_end", doc.get("telemetry_at_end"));
            if (!telemetry.isEmpty()) step.put("telemetry", telemetry);
        }
        t.startedAt = core.get("started_at") instanceof Number n
                ? n.doubleValue()
                : core.get("submitted_at") instanceof Number s ? s.doubleValue() : null;
        t.step = step;
    }

    /** The values of a used/generated map that are not entity references (parameters, metrics). */
    private static void primitives(Object map, Map<String, Object> out) {
        if (!(map instanceof Map<?, ?> m)) return;
        for (var e : m.entrySet()) {
            Object v = e.getValue();
            if (v == null || EntityRef.isReference(v)) continue;
            if (v instanceof List<?> l && !l.isEmpty() && l.stream().allMatch(EntityRef::isReference)) continue;
            out.put(String.valueOf(e.getKey()), v);
        }
    }

    private Map<String, Object> assemble(
            String id,
            boolean isEntity,
            Map<String, EntityInfo> entities,
            Map<String, TaskInfo> tasks,
            int depth,
            String truncated) {
        var out = new LinkedHashMap<String, Object>();
        out.put("subject", Map.of("id", id, "kind", isEntity ? "entity" : "task"));
        out.put("entity", isEntity ? entityJson(entities.get(id)) : null);

        List<TaskInfo> ordered = order(entities, tasks);
        var steps = new ArrayList<Map<String, Object>>();
        for (TaskInfo t : ordered) steps.add(t.step);
        out.put("steps", steps);
        List<String> unexamined = new ArrayList<>();
        for (TaskInfo t : tasks.values()) if (!t.examined) unexamined.add(t.id);

        var raw = new ArrayList<Map<String, Object>>();
        var all = new ArrayList<Map<String, Object>>();
        var derivations = new ArrayList<Map<String, Object>>();
        for (EntityInfo e : entities.values()) {
            if (!e.examined) continue;
            all.add(entityJson(e));
            if (e.generatedBy.isEmpty() && e.derivedFrom.isEmpty()) raw.add(entityJson(e));
            for (String s : e.derivedFrom) derivations.add(Map.of("entity", e.id, "source", s));
        }
        out.put("raw_inputs", raw);
        out.put("entities", all);
        out.put("derivations", derivations);

        var workflows = new LinkedHashMap<String, Map<String, Object>>();
        var campaigns = new LinkedHashSet<String>();
        var agents = new LinkedHashMap<String, Map<String, Object>>();
        Double from = null, to = null;
        for (TaskInfo t : ordered) {
            String wid = (String) t.step.get("workflow_id");
            if (wid != null) {
                Map<String, Object> w = workflows.computeIfAbsent(wid, k -> {
                    var m = new LinkedHashMap<String, Object>();
                    m.put("workflow_id", k);
                    if (t.workflow != null) {
                        m.put("name", t.workflow.get("name"));
                        m.put("campaign_id", t.workflow.get("campaign_id"));
                        m.put("status", t.workflow.get("status"));
                        m.put("started_at", t.workflow.get("started_at"));
                        m.put("ended_at", t.workflow.get("ended_at"));
                    }
                    m.put("steps", 0);
                    return m;
                });
                w.put("steps", (Integer) w.get("steps") + 1);
            }
            if (t.step.get("campaign_id") instanceof String c) campaigns.add(c);
            for (Map<String, Object> a : t.agents) agents.putIfAbsent((String) a.get("id"), a);
            Double s = num(t.step.get("started_at"));
            if (s == null) s = num(t.step.get("submitted_at"));
            Double e = num(t.step.get("ended_at"));
            if (s != null && (from == null || s < from)) from = s;
            if (e != null && (to == null || e > to)) to = e;
            if (s != null && (to == null || s > to)) to = s;
        }
        out.put("workflows", new ArrayList<>(workflows.values()));
        out.put("campaigns", new ArrayList<>(campaigns));
        out.put("agents", new ArrayList<>(agents.values()));
        var span = new LinkedHashMap<String, Object>();
        span.put("from", from);
        span.put("to", to);
        span.put("seconds", from != null && to != null ? to - from : null);
        out.put("time_span", span);
        out.put("depth", depth);
        out.put("truncated", truncated != null);
        if (truncated != null) {
            out.put("truncated_reason", truncated);
            out.put("unexamined_tasks", unexamined);
            var ue = new ArrayList<String>();
            for (EntityInfo e : entities.values()) if (!e.examined) ue.add(e.id);
            out.put("unexamined_entities", ue);
        }
        return out;
    }

    private static Double num(Object o) {
        return o instanceof Number n ? n.doubleValue() : null;
    }

    private static Map<String, Object> entityJson(EntityInfo e) {
        var m = new LinkedHashMap<String, Object>();
        m.put("id", e.id);
        m.put("type", e.props.get("type"));
        var attrs = new TreeMap<String, Object>(e.props);
        attrs.remove("id");
        attrs.remove("type");
        m.put("attributes", attrs);
        m.put("generated_by", e.generatedBy);
        m.put("derived_from", e.derivedFrom);
        return m;
    }

    /**
     * Tasks in dependency order (a task after the tasks that generated what it used, directly or
     * through derived entities, and after the tasks it was informed by); ties and cycles by start time,
     * then id.
     */
    private static List<TaskInfo> order(Map<String, EntityInfo> entities, Map<String, TaskInfo> tasks) {
        var examined = new ArrayList<TaskInfo>();
        for (TaskInfo t : tasks.values()) if (t.examined) examined.add(t);
        var preds = new HashMap<String, Set<String>>();
        for (TaskInfo t : examined) {
            var p = new LinkedHashSet<String>();
            for (Map<String, Object> u : t.used) producers((String) u.get("id"), entities, p, new HashSet<>());
            p.addAll(t.informedBy);
            p.remove(t.id);
            p.removeIf(x -> tasks.get(x) == null || !tasks.get(x).examined);
            preds.put(t.id, p);
        }
        Comparator<TaskInfo> byTime = Comparator.comparing(
                        (TaskInfo t) -> t.startedAt, Comparator.nullsLast(Comparator.naturalOrder()))
                .thenComparing(t -> t.id);
        var indegree = new HashMap<String, Integer>();
        var succ = new HashMap<String, List<String>>();
        for (TaskInfo t : examined) {
            indegree.put(t.id, preds.get(t.id).size());
            for (String p : preds.get(t.id))
                succ.computeIfAbsent(p, k -> new ArrayList<>()).add(t.id);
        }
        var ready = new PriorityQueue<>(byTime);
        for (TaskInfo t : examined) if (indegree.get(t.id) == 0) ready.add(t);
        var out = new ArrayList<TaskInfo>();
        var placed = new HashSet<String>();
        while (out.size() < examined.size()) {
            if (ready.isEmpty()) {
                // a cycle: place the earliest remaining task and go on
                examined.stream()
                        .filter(t -> !placed.contains(t.id))
                        .min(byTime)
                        .ifPresent(ready::add);
            }
            TaskInfo t = ready.poll();
            if (!placed.add(t.id)) continue;
            out.add(t);
            for (String s : succ.getOrDefault(t.id, List.of())) {
                if (placed.contains(s)) continue;
                int d = indegree.merge(s, -1, Integer::sum);
                if (d == 0) ready.add(tasks.get(s));
            }
        }
        return out;
    }

    /** The tasks that produced an entity, directly or through the entities it was derived from. */
    private static void producers(String entity, Map<String, EntityInfo> entities, Set<String> out, Set<String> seen) {
        if (!seen.add(entity)) return;
        EntityInfo e = entities.get(entity);
        if (e == null) return;
        out.addAll(e.generatedBy);
        for (String s : e.derivedFrom) producers(s, entities, out, seen);
    }
}
