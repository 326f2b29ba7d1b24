package org.mida.server.ingest;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.mida.event.EntityRef;
import org.mida.event.Event;
import org.mida.event.TaskEvent;
import org.mida.event.WorkflowEvent;

/**
 * What one batch writes, decided without the database. The batch's events are folded per task and
 * workflow ({@link Batch}); given what the store already holds of the ids the batch names ({@link
 * Stored}), each task and workflow is merged with its stored document by the monotonic rules of {@link
 * TaskEvent#merge}, and only the difference becomes rows: create rows for what is new, rows of changed
 * properties (removed ones as null, which {@code SET +=} removes) for what exists, and only the
 * relationships, campaigns, agents, entities and entity properties not there before. A replayed batch
 * therefore plans nothing. {@link #steps()} gives the statements to run, in order.
 *
 * <pre>{@code
 * Batch batch = Batch.of(events);
 * Stored stored = ...; // what the store holds of batch.taskIds(), workflowIds(), campaignIds(), entityIds()
 * IngestPlan plan = IngestPlan.of(batch, stored, new NodeProperties(codec));
 * for (Step s : plan.steps()) tx.run(textOf(s.statement()), s.parameters());
 * }</pre>
 *
 * @param changed the merged state (as it will be stored) of every workflow, then task, that the batch
 *     creates or changes
 */
record IngestPlan(
        List<String> campaigns,
        List<WorkflowRow> createWorkflows,
        List<WorkflowRow> updateWorkflows,
        List<SubWorkflowLink> subWorkflowLinks,
        List<EntityRow> createEntities,
        List<EntityRow> updateEntities,
        List<Agent> agents,
        List<TaskRow> createTasks,
        List<TaskRow> updateTasks,
        List<InformedBy> informedBy,
        int tasksCreated,
        int tasksUpdated,
        int tasksUnchanged,
        List<Event> changed) {

    IngestPlan {
        campaigns = List.copyOf(campaigns);
        createWorkflows = List.copyOf(createWorkflows);
        updateWorkflows = List.copyOf(updateWorkflows);
        subWorkflowLinks = List.copyOf(subWorkflowLinks);
        createEntities = List.copyOf(createEntities);
        updateEntities = List.copyOf(updateEntities);
        agents = List.copyOf(agents);
        createTasks = List.copyOf(createTasks);
        updateTasks = List.copyOf(updateTasks);
        informedBy = List.copyOf(informedBy);
        changed = List.copyOf(changed);
    }

    /** The plan of a batch: pure, it only reads its arguments. */
    static IngestPlan of(Batch batch, Stored stored, NodeProperties properties) {
        return new Planner(batch, stored, properties).plan();
    }

    /** Workflows created or changed. */
    int workflows() {
        return createWorkflows.size() + updateWorkflows.size();
    }

    int entitiesCreated() {
        return createEntities.size();
    }

    /** True when the batch changes nothing in the store. */
    boolean isEmpty() {
        return steps().isEmpty();
    }

    /** The write statements, each with its rows, in the order they must run; those with no rows left out. */
    List<Step> steps() {
        var out = new ArrayList<Step>();
        step(out, Statement.MERGE_CAMPAIGNS, campaigns);
        step(out, Statement.CREATE_WORKFLOWS, rows(createWorkflows, WorkflowRow::parameters));
        step(out, Statement.UPDATE_WORKFLOWS, rows(updateWorkflows, WorkflowRow::parameters));
        step(out, Statement.LINK_SUB_WORKFLOWS, rows(subWorkflowLinks, SubWorkflowLink::parameters));
        step(out, Statement.CREATE_ENTITIES, rows(createEntities, EntityRow::parameters));
        step(out, Statement.UPDATE_ENTITIES, rows(updateEntities, EntityRow::parameters));
        step(out, Statement.MERGE_AGENTS, rows(agents, Agent::parameters));
        step(out, Statement.CREATE_TASKS, rows(createTasks, TaskRow::parameters));
        step(out, Statement.UPDATE_TASKS, rows(updateTasks, TaskRow::parameters));
        step(out, Statement.CREATE_INFORMED_BY, rows(informedBy, InformedBy::parameters));
        return out;
    }

    private static void step(List<Step> out, Statement s, List<?> rows) {
        if (!rows.isEmpty()) out.add(new Step(s, Map.of(s.parameter(), rows)));
    }

    private static <R> List<Map<String, Object>> rows(List<R> rows, Function<R, Map<String, Object>> f) {
        var out = new ArrayList<Map<String, Object>>(rows.size());
        for (R r : rows) out.add(f.apply(r));
        return out;
    }

    /** The ingest's write statements ({@code cypher/ingest/*.cypher}) and the name of their one parameter. */
    enum Statement {
        MERGE_CAMPAIGNS("ingest/merge-campaigns", "ids"),
        CREATE_WORKFLOWS("ingest/create-workflows", "rows"),
        UPDATE_WORKFLOWS("ingest/update-workflows", "rows"),
        LINK_SUB_WORKFLOWS("ingest/link-sub-workflows", "rows"),
        CREATE_ENTITIES("ingest/create-entities", "rows"),
        UPDATE_ENTITIES("ingest/update-entities", "rows"),
        MERGE_AGENTS("ingest/merge-agents", "rows"),
        CREATE_TASKS("ingest/create-tasks", "rows"),
        UPDATE_TASKS("ingest/update-tasks", "rows"),
        CREATE_INFORMED_BY("ingest/create-informed-by", "rows");

        private final String resource;
        private final String parameter;

        Statement(String resource, String parameter) {
            this.resource = resource;
            this.parameter = parameter;
        }

        /** The name {@link org.mida.cypher.Cypher#load} knows it by. */
        String resource() {
            return resource;
        }

        String parameter() {
            return parameter;
        }
    }

    /** One statement to run with its parameters. */
    record Step(Statement statement, Map<String, Object> parameters) {}

    /** A relationship to an entity or agent, with the role it is created with. */
    record Link(String id, String role) {
        Map<String, Object> parameters() {
            return Map.of("id", id, "role", role);
        }
    }

    /**
     * A task to create (all its properties, every link) or to update (changed properties only, null for
     * removed ones; new links only; {@code relinkWorkflow} when its workflow changed). A task named only
     * as a dependency is created as a placeholder that holds only its id.
     */
    record TaskRow(
            String taskId,
            String workflowId,
            Map<String, Object> props,
            List<Link> used,
            List<Link> generated,
            List<Link> agents,
            boolean relinkWorkflow) {
        TaskRow {
            props = Collections.unmodifiableMap(props); // a delta holds nulls: no Map.copyOf
            used = List.copyOf(used);
            generated = List.copyOf(generated);
            agents = List.copyOf(agents);
        }

        static TaskRow placeholder(String taskId) {
            return new TaskRow(taskId, null, Map.of("task_id", taskId), List.of(), List.of(), List.of(), false);
        }

        Map<String, Object> parameters() {
            var p = new HashMap<String, Object>();
            p.put("task_id", taskId);
            p.put("workflow_id", workflowId);
            p.put("props", props);
            p.put("used", rows(used, Link::parameters));
            p.put("generated", rows(generated, Link::parameters));
            p.put("agents", rows(agents, Link::parameters));
            p.put("relink_workflow", relinkWorkflow);
            return p;
        }
    }

    /** A workflow to create or update, like {@link TaskRow}; {@code relinkCampaign} when its campaign changed. */
    record WorkflowRow(String workflowId, String campaignId, Map<String, Object> props, boolean relinkCampaign) {
        WorkflowRow {
            props = Collections.unmodifiableMap(props);
        }

        Map<String, Object> parameters() {
            var p = new HashMap<String, Object>();
            p.put("workflow_id", workflowId);
            p.put("campaign_id", campaignId);
            p.put("props", props);
            p.put("relink_campaign", relinkCampaign);
            return p;
        }
    }

    record SubWorkflowLink(String workflowId, String parentWorkflowId) {
        Map<String, Object> parameters() {
            return Map.of("workflow_id", workflowId, "parent_workflow_id", parentWorkflowId);
        }
    }

    /** An entity to create (props include its id) or the properties of a stored one that change. */
    record EntityRow(String id, Map<String, Object> props) {
        EntityRow {
            props = Map.copyOf(props);
        }

        Map<String, Object> parameters() {
            return Map.of("id", id, "props", props);
        }
    }

    /** A user or host agent ({@code user:alice}, {@code host:node-1}), merged by id. */
    record Agent(String id, String kind, String name) {
        Map<String, Object> parameters() {
            return Map.of("id", id, "kind", kind, "name", name);
        }
    }

    /** A dependency: task {@code from} was informed by task {@code to}. */
    record InformedBy(String from, String to) {
        Map<String, Object> parameters() {
            return Map.of("from", from, "to", to);
        }
    }

    /**
     * A batch's events folded per task and per workflow (in the order first seen), and the ids whose
     * stored state its plan needs.
     */
    record Batch(Map<String, TaskEvent> tasks, Map<String, WorkflowEvent> workflows) {
        Batch {
            tasks = Collections.unmodifiableMap(new LinkedHashMap<>(tasks));
            workflows = Collections.unmodifiableMap(new LinkedHashMap<>(workflows));
        }

        static Batch of(List<Event> events) {
            var tasks = new LinkedHashMap<String, TaskEvent>();
            var workflows = new LinkedHashMap<String, WorkflowEvent>();
            for (Event e : events) {
                if (e instanceof TaskEvent t) tasks.merge(t.taskId(), t, TaskEvent::merge);
                else if (e instanceof WorkflowEvent w) workflows.merge(w.workflowId(), w, WorkflowEvent::merge);
            }
            return new Batch(tasks, workflows);
        }

        boolean isEmpty() {
            return tasks.isEmpty() && workflows.isEmpty();
        }

        /** The batch's tasks, then the tasks they depend on. */
        List<String> taskIds() {
            var ids = new LinkedHashSet<>(tasks.keySet());
            for (TaskEvent t : tasks.values()) ids.addAll(t.dependencies());
            return List.copyOf(ids);
        }

        /** The batch's workflows, then those its tasks name, then parents. */
        List<String> workflowIds() {
            var ids = new LinkedHashSet<>(workflows.keySet());
            ids.addAll(workflowStubs().keySet());
            return List.copyOf(ids);
        }

        /** The campaigns the batch's tasks and workflows name. */
        List<String> campaignIds() {
            var ids = new LinkedHashSet<String>();
            for (TaskEvent t : tasks.values()) if (t.campaignId() != null) ids.add(t.campaignId());
            for (WorkflowEvent w : workflows.values()) if (w.campaignId() != null) ids.add(w.campaignId());
            return List.copyOf(ids);
        }

        /** The entities the batch's tasks use or generate. */
        List<String> entityIds() {
            var ids = new LinkedHashSet<String>();
            for (TaskEvent t : tasks.values()) {
                for (EntityRef r : t.usedEntities()) ids.add(r.id());
                for (EntityRef r : t.generatedEntities()) ids.add(r.id());
            }
            return List.copyOf(ids);
        }

        /**
         * Workflows only named (by a task, or as a parent) → the campaign the first task naming it with
         * one gave ("" for none); created if missing.
         */
        Map<String, String> workflowStubs() {
            var stubs = new LinkedHashMap<String, String>();
            for (TaskEvent t : tasks.values())
                if (t.workflowId() != null)
                    stubs.merge(
                            t.workflowId(),
                            t.campaignId() == null ? "" : t.campaignId(),
                            (a, b) -> a.isEmpty() ? b : a);
            for (WorkflowEvent w : workflows.values())
                if (w.parentWorkflowId() != null) stubs.putIfAbsent(w.parentWorkflowId(), "");
            return stubs;
        }
    }

    /**
     * What the store holds of the ids a batch names, read in the batch's transaction before the plan is
     * made. A task or workflow present with an empty document exists as a node without one (a
     * dependency placeholder, or a node another writer made); absent means no node. Entities map to the
     * properties their node holds.
     */
    record Stored(
            Map<String, Optional<TaskEvent>> tasks,
            Map<String, Optional<WorkflowEvent>> workflows,
            Set<String> campaigns,
            Map<String, Map<String, Object>> entities) {
        Stored {
            tasks = Map.copyOf(tasks);
            workflows = Map.copyOf(workflows);
            campaigns = Set.copyOf(campaigns);
            entities = Map.copyOf(entities);
        }

        static final Stored NOTHING = new Stored(Map.of(), Map.of(), Set.of(), Map.of());
    }

    /** Builds one plan; not reused. */
    private static final class Planner {
        private final Batch batch;
        private final Stored stored;
        private final NodeProperties properties;

        private final Set<String> campaigns = new LinkedHashSet<>();
        private final Map<String, Agent> agents = new LinkedHashMap<>();
        private final Map<String, Map<String, Object>> entityProps = new LinkedHashMap<>();
        private final Set<String> entitiesNeeded = new LinkedHashSet<>();
        private final List<Event> changed = new ArrayList<>();
        private final List<WorkflowRow> createWorkflows = new ArrayList<>();
        private final List<WorkflowRow> updateWorkflows = new ArrayList<>();
        private final List<SubWorkflowLink> subLinks = new ArrayList<>();
        private final List<TaskRow> createTasks = new ArrayList<>();
        private final List<TaskRow> updateTasks = new ArrayList<>();
        private final List<InformedBy> informedBy = new ArrayList<>();
        private int unchangedTasks;

        Planner(Batch batch, Stored stored, NodeProperties properties) {
            this.batch = batch;
            this.stored = stored;
            this.properties = properties;
        }

        IngestPlan plan() {
            for (TaskEvent t : batch.tasks().values()) if (t.campaignId() != null) campaigns.add(t.campaignId());
            planWorkflows();
            planTasks();
            var createEntities = new ArrayList<EntityRow>();
            var updateEntities = new ArrayList<EntityRow>();
            planEntities(createEntities, updateEntities);
            campaigns.removeAll(stored.campaigns());
            int created = 0;
            for (TaskRow r : createTasks) if (batch.tasks().containsKey(r.taskId())) created++;
            return new IngestPlan(
                    new ArrayList<>(campaigns),
                    createWorkflows,
                    updateWorkflows,
                    subLinks,
                    createEntities,
                    updateEntities,
                    new ArrayList<>(agents.values()),
                    createTasks,
                    updateTasks,
                    informedBy,
                    created,
                    updateTasks.size(),
                    unchangedTasks,
                    changed);
        }

        private void planWorkflows() {
            Map<String, String> stubs = batch.workflowStubs();
            for (String id : batch.workflowIds()) {
                Optional<WorkflowEvent> doc = stored.workflows().get(id);
                boolean exists = doc != null;
                WorkflowEvent old = exists ? doc.orElse(null) : null;
                WorkflowEvent sent = batch.workflows().get(id);
                WorkflowEvent merged = old == null ? sent : sent == null ? old : old.merge(sent);
                if (merged == null) merged = WorkflowEvent.of(id, null, null);
                String stubCampaign = stubs.get(id);
                if (merged.campaignId() == null && stubCampaign != null && !stubCampaign.isEmpty())
                    merged = merged.merge(WorkflowEvent.of(id, stubCampaign, null));
                // a campaign a stored document already names was merged when that document was written
                if (merged.campaignId() != null
                        && (old == null || !merged.campaignId().equals(old.campaignId())))
                    campaigns.add(merged.campaignId());
                if (merged.parentWorkflowId() != null
                        && (old == null || !merged.parentWorkflowId().equals(old.parentWorkflowId())))
                    subLinks.add(new SubWorkflowLink(id, merged.parentWorkflowId()));
                Map<String, Object> props = properties.workflow(merged);
                if (!exists) {
                    createWorkflows.add(new WorkflowRow(id, merged.campaignId(), props, false));
                    changed.add(merged);
                    continue;
                }
                Map<String, Object> before = old == null ? Map.of("workflow_id", id) : properties.workflow(old);
                Map<String, Object> delta = delta(before, props);
                boolean relink = merged.campaignId() != null
                        && !merged.campaignId().equals(old == null ? null : old.campaignId());
                if (delta.isEmpty() && !relink) continue;
                updateWorkflows.add(new WorkflowRow(id, merged.campaignId(), delta, relink));
                changed.add(merged);
            }
        }

        private void planTasks() {
            for (TaskEvent sent : batch.tasks().values()) {
                Optional<TaskEvent> doc = stored.tasks().get(sent.taskId());
                boolean exists = doc != null;
                TaskEvent old = exists ? doc.orElse(null) : null;
                TaskEvent merged = old == null ? sent : old.merge(sent);
                collectEntities(sent);
                Map<String, Object> props = properties.task(merged);
                List<Link> used = newRefs(merged.usedEntities(), old == null ? List.of() : old.usedEntities());
                List<Link> generated =
                        newRefs(merged.generatedEntities(), old == null ? List.of() : old.generatedEntities());
                List<Link> agentLinks = newAgents(merged, old);
                for (String d : merged.dependencies())
                    if (old == null || !old.dependencies().contains(d))
                        informedBy.add(new InformedBy(merged.taskId(), d));
                if (!exists) {
                    createTasks.add(new TaskRow(
                            merged.taskId(), merged.workflowId(), props, used, generated, agentLinks, false));
                    changed.add(merged);
                    continue;
                }
                Map<String, Object> before = old == null ? Map.of("task_id", sent.taskId()) : properties.task(old);
                Map<String, Object> delta = delta(before, props);
                boolean relink = !Objects.equals(old == null ? null : old.workflowId(), merged.workflowId())
                        && merged.workflowId() != null;
                if (delta.isEmpty() && !relink && used.isEmpty() && generated.isEmpty() && agentLinks.isEmpty()) {
                    unchangedTasks++;
                    continue;
                }
                updateTasks.add(
                        new TaskRow(merged.taskId(), merged.workflowId(), delta, used, generated, agentLinks, relink));
                changed.add(merged);
            }
            // tasks named only as dependencies become placeholders until their own events arrive
            for (String d : batch.taskIds()) {
                if (batch.tasks().containsKey(d) || stored.tasks().containsKey(d)) continue;
                createTasks.add(TaskRow.placeholder(d));
            }
        }

        private void planEntities(List<EntityRow> create, List<EntityRow> update) {
            for (String id : entitiesNeeded) {
                Map<String, Object> props = entityProps.getOrDefault(id, Map.of());
                Map<String, Object> now = stored.entities().get(id);
                if (now == null) {
                    var all = new HashMap<String, Object>(props);
                    all.put("id", id);
                    create.add(new EntityRow(id, all));
                    continue;
                }
                var changedProps = new HashMap<String, Object>();
                for (var p : props.entrySet())
                    if (!Objects.equals(now.get(p.getKey()), p.getValue())) changedProps.put(p.getKey(), p.getValue());
                if (!changedProps.isEmpty()) update.add(new EntityRow(id, changedProps));
            }
        }

        /** Every entity the batch names is needed, with the properties its references give it (last wins). */
        private void collectEntities(TaskEvent sent) {
            for (List<EntityRef> refs : List.of(sent.usedEntities(), sent.generatedEntities())) {
                for (EntityRef ref : refs) {
                    entitiesNeeded.add(ref.id());
                    entityProps
                            .computeIfAbsent(ref.id(), k -> new LinkedHashMap<>())
                            .putAll(properties.entity(ref));
                }
            }
        }

        private List<Link> newRefs(List<EntityRef> now, List<EntityRef> before) {
            if (now.isEmpty()) return List.of();
            var seen = new HashSet<String>();
            for (EntityRef r : before) seen.add(r.role() + '\u0000' + r.id());
            var out = new ArrayList<Link>();
            for (EntityRef r : now) {
                if (!seen.add(r.role() + '\u0000' + r.id())) continue;
                entitiesNeeded.add(r.id());
                out.add(new Link(r.id(), r.role()));
            }
            return out;
        }

        private List<Link> newAgents(TaskEvent now, TaskEvent before) {
            var out = new ArrayList<Link>(2);
            agent(out, "user", now.user(), before == null ? null : before.user());
            agent(out, "host", now.hostname(), before == null ? null : before.hostname());
            return out;
        }

        private void agent(List<Link> out, String kind, String name, String before) {
            if (name == null || name.equals(before)) return;
            String id = kind + ":" + name;
            agents.putIfAbsent(id, new Agent(id, kind, name));
            out.add(new Link(id, kind));
        }
    }

    /** Changed and new properties; removed ones map to null (which {@code SET +=} removes). */
    static Map<String, Object> delta(Map<String, Object> before, Map<String, Object> after) {
        var d = new HashMap<String, Object>();
        for (var e : after.entrySet())
            if (!Objects.equals(before.get(e.getKey()), e.getValue())) d.put(e.getKey(), e.getValue());
        for (String k : before.keySet()) if (!after.containsKey(k)) d.put(k, null);
        return d;
    }
}
