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
import org.mida.event.EntityRef;
import org.mida.event.EventCodec;
import org.mida.server.analysis.AnalysisQueries.EntityRow;
import org.mida.server.analysis.AnalysisQueries.Prop;
import org.mida.server.analysis.AnalysisQueries.SubjectRow;
import org.mida.server.analysis.AnalysisQueries.TaskFields;
import org.mida.server.analysis.AnalysisQueries.TaskRow;
import org.mida.server.analysis.Report.Agent;
import org.mida.server.analysis.Report.Derivation;
import org.mida.server.analysis.Report.Entity;
import org.mida.server.analysis.Report.EntityRole;
import org.mida.server.analysis.Report.Kind;
import org.mida.server.analysis.Report.Step;
import org.mida.server.analysis.Report.Subject;
import org.mida.server.analysis.Report.Telemetry;
import org.mida.server.analysis.Report.TimeSpan;
import org.mida.server.analysis.Report.WorkflowNode;
import org.mida.server.analysis.Report.WorkflowSummary;
import org.mida.server.http.ApiException;
import org.neo4j.driver.TransactionContext;

/**
 * The documented lifecycle of a model or dataset (paper IV-D, first analysis): walks upstream from an
 * entity (or a task) through {@code WAS_GENERATED_BY} (entity → the task that made it), {@code USED}
 * (task → its inputs), {@code WAS_INFORMED_BY} (task → the tasks it depended on) and {@code
 * WAS_DERIVED_FROM} (entity → its source), across workflows and campaigns, breadth first, one batched
 * read per step, all in one read transaction. The walk stops at {@code maxDepth} steps or {@code
 * maxNodes} tasks + entities and says so ({@code truncated}). Steps come out from the raw data to the
 * subject: in dependency order, ties by start time.
 */
final class LifecycleReport {
    private final AnalysisQueries queries;
    private final EventCodec codec;

    LifecycleReport(AnalysisQueries queries, EventCodec codec) {
        this.queries = queries;
        this.codec = codec;
    }

    /**
     * An entity (or version) the walk reached; {@code row} is set once it has been examined. The walk is
     * time-true: a version's generation is its own, and only the subject stands for all its versions.
     */
    private static final class EntityInfo {
        final String id;
        final boolean subject;
        EntityRow row;

        EntityInfo(String id) {
            this(id, false);
        }

        EntityInfo(String id, boolean subject) {
            this.id = id;
            this.subject = subject;
        }

        boolean examined() {
            return row != null;
        }

        List<String> generatedBy() {
            if (row == null) return List.of();
            if (!subject || row.versionGeneratedBy().isEmpty()) return row.generatedBy();
            var all = new ArrayList<>(row.generatedBy());
            for (String t : row.versionGeneratedBy()) if (!all.contains(t)) all.add(t);
            return all;
        }

        List<String> derivedFrom() {
            return row == null ? List.of() : row.derivedFrom();
        }
    }

    /** A task the walk reached; {@code row} and {@code step} are set once it has been examined. */
    private static final class TaskInfo {
        final String id;
        TaskRow row;
        Step step;

        TaskInfo(String id) {
            this.id = id;
        }

        boolean examined() {
            return row != null;
        }

        /** When it started, else when it was submitted: the tie-break of the step order. */
        Double startedAt() {
            return step.startedAt() != null ? step.startedAt() : step.submittedAt();
        }
    }

    /** The report; 404 when the id is neither an entity nor a task. */
    Report build(String id, int maxDepth, int maxNodes) {
        return queries.read(tx -> walk(tx, id, maxDepth, maxNodes));
    }

    private Report walk(TransactionContext tx, String id, int maxDepth, int maxNodes) {
        SubjectRow subject = AnalysisQueries.subject(tx, id);
        if (!subject.entity() && !subject.task()) {
            if (subject.workflow())
                throw ApiException.notFound("'" + id + "' is a workflow; a lifecycle report starts from an entity"
                        + " (a model, a dataset: an '@id' in used/generated) or a task id");
            throw ApiException.notFound("no entity or task '" + id + "'");
        }
        boolean isEntity = subject.entity();
        var entities = new LinkedHashMap<String, EntityInfo>();
        var tasks = new LinkedHashMap<String, TaskInfo>();
        List<String> entityFrontier = new ArrayList<>();
        List<String> taskFrontier = new ArrayList<>();
        if (isEntity) {
            entities.put(id, new EntityInfo(id, true));
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
                for (EntityRow r : AnalysisQueries.entities(tx, entityFrontier)) {
                    EntityInfo e = entities.get(r.id());
                    e.row = r;
                    for (String t : e.generatedBy()) if (!tasks.containsKey(t)) nextTasks.add(t);
                    for (String s : r.derivedFrom()) if (!entities.containsKey(s)) nextEntities.add(s);
                }
            }
            if (!taskFrontier.isEmpty()) {
                for (TaskRow r : AnalysisQueries.tasks(tx, taskFrontier)) {
                    TaskInfo t = tasks.get(r.id());
                    t.row = r;
                    t.step = step(r);
                    for (EntityRole u : r.used()) if (!entities.containsKey(u.id())) nextEntities.add(u.id());
                    for (String d : r.informedBy()) if (!tasks.containsKey(d)) nextTasks.add(d);
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
        Report.Downstream downstream = isEntity ? downstream(tx, id) : null;
        return assemble(id, isEntity, entities, tasks, depth, truncated, downstream);
    }

    /** At most this many tasks of the downstream section are described. */
    static final int DOWNSTREAM_LIMIT = 100;

    /** The tasks that used the subject entity (or any of its versions): evaluations and their metrics. */
    private Report.Downstream downstream(TransactionContext tx, String id) {
        AnalysisQueries.DownstreamRow d = AnalysisQueries.downstream(tx, id, DOWNSTREAM_LIMIT);
        var byId = new HashMap<String, Step>();
        for (TaskRow r : AnalysisQueries.tasks(tx, d.ids())) byId.put(r.id(), step(r));
        var steps = new ArrayList<Step>();
        for (String t : d.ids()) if (byId.containsKey(t)) steps.add(byId.get(t));
        return new Report.Downstream(steps, d.total(), d.total() > steps.size());
    }

    private static LinkedHashSet<String> firstN(LinkedHashSet<String> s, int n) {
        var out = new LinkedHashSet<String>();
        for (String x : s) {
            if (out.size() >= Math.max(0, n)) break;
            out.add(x);
        }
        return out;
    }

    /**
     * A task as a step: parameters and results from its stored document when it has one, else from the
     * flattened properties of its node (leaving out the values that name the entities it used or made).
     */
    private Step step(TaskRow r) {
        Map<String, Object> doc = document(r.json());
        TaskFields f = r.fields();
        Map<String, Object> params = new LinkedHashMap<>();
        Map<String, Object> results = new LinkedHashMap<>();
        if (doc != null) {
            primitives(doc.get("used"), params);
            primitives(doc.get("generated"), results);
        } else {
            var entityIds = new HashSet<String>();
            for (EntityRole u : r.used()) entityIds.add(u.id());
            for (EntityRole g : r.generated()) entityIds.add(g.id());
            for (Prop p : r.flat()) {
                if (p.value() instanceof String s && entityIds.contains(s)) continue;
                if (p.key().startsWith("used.")) params.put(p.key().substring("used.".length()), p.value());
                else results.put(p.key().substring("generated.".length()), p.value());
            }
        }
        String campaignId =
                f.campaignId() == null && r.workflow() != null ? r.workflow().campaignId() : f.campaignId();
        return new Step(
                r.id(),
                f.activityId(),
                f.workflowId(),
                campaignId,
                f.status(),
                f.submittedAt(),
                f.startedAt(),
                f.endedAt(),
                f.duration(),
                f.hostname(),
                f.user(),
                f.adapterId(),
                params,
                results,
                r.used(),
                r.generated(),
                r.informedBy(),
                doc == null ? null : telemetry(doc));
    }

    /** The stored task document; null when there is none or it cannot be read. */
    @SuppressWarnings("unchecked")
    private Map<String, Object> document(String json) {
        if (json == null) return null;
        try {
            return codec.parse(json) instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
        } catch (Exception e) {
            return null;
        }
    }

    /** The document's telemetry snapshots; null when it has neither. */
    @SuppressWarnings("unchecked")
    private static Telemetry telemetry(Map<String, Object> doc) {
        Map<String, Object> start =
                doc.get("telemetry_at_start") instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
        Map<String, Object> end = doc.get("telemetry_at_end") instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
        return start == null && end == null ? null : new Telemetry(start, end);
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

    private Report assemble(
            String id,
            boolean isEntity,
            Map<String, EntityInfo> entities,
            Map<String, TaskInfo> tasks,
            int depth,
            String truncated,
            Report.Downstream downstream) {
        List<TaskInfo> ordered = order(entities, tasks);
        var steps = new ArrayList<Step>();
        for (TaskInfo t : ordered) steps.add(t.step);

        var raw = new LinkedHashMap<String, Entity>();
        var all = new ArrayList<Entity>();
        var derivations = new ArrayList<Derivation>();
        for (EntityInfo e : entities.values()) {
            if (!e.examined()) continue;
            Entity entity = entity(e);
            all.add(entity);
            if (!e.subject && raw(e, tasks)) {
                Entity r = rawEntity(e);
                raw.putIfAbsent(r.id(), r);
            }
            for (String s : e.derivedFrom()) derivations.add(new Derivation(e.id, s));
        }

        // the first step of a workflow brings what its node records
        var workflowNodes = new LinkedHashMap<String, WorkflowNode>();
        var workflowSteps = new HashMap<String, Integer>();
        var campaigns = new LinkedHashSet<String>();
        var agents = new LinkedHashMap<String, Agent>();
        Double from = null, to = null;
        for (TaskInfo t : ordered) {
            String wid = t.step.workflowId();
            if (wid != null) {
                if (!workflowNodes.containsKey(wid)) workflowNodes.put(wid, t.row.workflow());
                workflowSteps.merge(wid, 1, Integer::sum);
            }
            if (t.step.campaignId() != null) campaigns.add(t.step.campaignId());
            for (Agent a : t.row.agents()) agents.putIfAbsent(a.id(), a);
            Double s = t.startedAt();
            Double e = t.step.endedAt();
            if (s != null && (from == null || s < from)) from = s;
            if (e != null && (to == null || e > to)) to = e;
            if (s != null && (to == null || s > to)) to = s;
        }
        var workflows = new ArrayList<WorkflowSummary>();
        workflowNodes.forEach((wid, node) -> workflows.add(new WorkflowSummary(wid, node, workflowSteps.get(wid))));

        List<String> unexaminedTasks = null, unexaminedEntities = null;
        if (truncated != null) {
            unexaminedTasks = new ArrayList<>();
            for (TaskInfo t : tasks.values()) if (!t.examined()) unexaminedTasks.add(t.id);
            unexaminedEntities = new ArrayList<>();
            for (EntityInfo e : entities.values()) if (!e.examined()) unexaminedEntities.add(e.id);
        }
        return new Report(
                new Subject(id, isEntity ? Kind.ENTITY : Kind.TASK),
                isEntity ? entity(entities.get(id)) : null,
                steps,
                new ArrayList<>(raw.values()),
                all,
                derivations,
                workflows,
                new ArrayList<>(campaigns),
                new ArrayList<>(agents.values()),
                downstream,
                new TimeSpan(from, to, from != null && to != null ? to - from : null),
                depth,
                truncated != null,
                truncated,
                unexaminedTasks,
                unexaminedEntities);
    }

    /**
     * A raw input: data that entered the lifecycle from outside. An entity with no recorded generation
     * and no source (a version that no generation made: an origin), or one generated only by tasks that
     * used no entity at all (a microscope's scans, acquired from nothing recorded).
     */
    private static boolean raw(EntityInfo e, Map<String, TaskInfo> tasks) {
        if (!e.derivedFrom().isEmpty()) return false;
        for (String t : e.generatedBy()) {
            TaskInfo g = tasks.get(t);
            if (g == null || !g.examined() || !g.row.used().isEmpty()) return false;
        }
        return true;
    }

    /**
     * How a raw input is listed: a version nothing generated (an origin) as the entity it is a version of,
     * with that entity's metadata; anything else as itself.
     */
    private static Entity rawEntity(EntityInfo e) {
        if (e.row.entityId() != null && e.row.generatedBy().isEmpty() && e.row.entityProps() != null) {
            var attrs = new TreeMap<String, Object>(e.row.entityProps());
            attrs.remove("id");
            Object type = attrs.remove("type");
            return new Entity(
                    e.row.entityId(), type == null ? null : String.valueOf(type), attrs, List.of(), e.derivedFrom());
        }
        return entity(e);
    }

    /** Properties of a version node that describe the versioning, not the data. */
    private static final List<String> VERSION_KEYS = List.of("entity_id", "generated_by", "generated_at", "origin");

    /** An entity with its properties split into its type and its (sorted) other attributes. */
    private static Entity entity(EntityInfo e) {
        var attrs = new TreeMap<String, Object>(e.row == null ? Map.of() : e.row.props());
        attrs.remove("id");
        if (e.row != null && e.row.entityId() != null) VERSION_KEYS.forEach(attrs::remove);
        Object type = attrs.remove("type");
        return new Entity(e.id, type == null ? null : String.valueOf(type), attrs, e.generatedBy(), e.derivedFrom());
    }

    /**
     * Tasks in dependency order (a task after the tasks that generated what it used, directly or
     * through derived entities, and after the tasks it was informed by); ties and cycles by start time,
     * then id.
     */
    private static List<TaskInfo> order(Map<String, EntityInfo> entities, Map<String, TaskInfo> tasks) {
        var examined = new ArrayList<TaskInfo>();
        for (TaskInfo t : tasks.values()) if (t.examined()) examined.add(t);
        var preds = new HashMap<String, Set<String>>();
        for (TaskInfo t : examined) {
            var p = new LinkedHashSet<String>();
            for (EntityRole u : t.row.used()) producers(u.id(), entities, p, new HashSet<>());
            p.addAll(t.row.informedBy());
            p.remove(t.id);
            p.removeIf(x -> tasks.get(x) == null || !tasks.get(x).examined());
            preds.put(t.id, p);
        }
        Comparator<TaskInfo> byTime = Comparator.comparing(
                        TaskInfo::startedAt, Comparator.nullsLast(Comparator.naturalOrder()))
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
        out.addAll(e.generatedBy());
        for (String s : e.derivedFrom()) producers(s, entities, out, seen);
    }
}
