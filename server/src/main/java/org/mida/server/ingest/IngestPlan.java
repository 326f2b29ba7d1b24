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
import org.mida.event.EventCodec;
import org.mida.event.ObserverEvent;
import org.mida.event.TaskEvent;
import org.mida.event.WorkflowEvent;
import org.mida.server.fields.FieldRegistry;

/**
 * What one batch writes, decided without the database. The batch's events are folded per task and
 * workflow ({@link Batch}); given what the store already holds of the ids the batch names ({@link
 * Stored}), each task and workflow is merged with its stored document by the monotonic rules of {@link
 * TaskEvent#merge}, and only the difference becomes rows: create rows for what is new, rows of changed
 * properties (removed ones as null, which {@code SET +=} removes) for what exists, and only the
 * relationships, campaigns, agents, entities and entity properties not there before. A replayed batch
 * therefore plans nothing. {@link #steps()} gives the statements to run, in order.
 *
 * <p>A task belongs to one workflow: the one its stored document names, else the first one an event of
 * the batch names. A task event naming another workflow is not applied but {@linkplain #refused()
 * refused} with a reason (the ingest dead-letters it); events naming no workflow are merged as usual.
 *
 * <p>Observer status reports ({@link ObserverEvent}) are snapshots: per observer only the latest report
 * (largest {@code at}) is kept, and it replaces the stored one only when it is newer, so a replayed or
 * late older report changes nothing.
 *
 * <pre>{@code
 * Batch batch = Batch.of(events);
 * Stored stored = ...; // what the store holds of batch.taskIds(), workflowIds(), campaignIds(), entityIds()
 * IngestPlan plan = IngestPlan.of(batch, stored, new NodeProperties(codec), nowEpochSeconds);
 * for (Step s : plan.steps()) tx.run(textOf(s.statement()), s.parameters());
 * }</pre>
 *
 * @param changed the merged state (as it will be stored) of every workflow, then task, that the batch
 *     creates or changes
 * @param observers the observer reports that replace the stored ones (or are the first of their observer)
 * @param refused the batch's events that are not applied, each with the reason (by task, in the order the
 *     batch first names each task)
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
        List<Event> changed,
        List<ObserverRow> observers,
        List<Refusal> refused,
        List<Map<String, Object>> registerFields) {

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
        observers = List.copyOf(observers);
        refused = List.copyOf(refused);
        registerFields = List.copyOf(registerFields);
    }

    /**
     * The plan of a batch: pure, it only reads its arguments.
     *
     * @param receivedAt when the server took the batch in (epoch seconds): the {@code received_at} of the
     *     observer reports it writes
     */
    static IngestPlan of(Batch batch, Stored stored, NodeProperties properties, double receivedAt) {
        return new Planner(batch, stored, properties, receivedAt).plan();
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
        step(out, Statement.UPSERT_OBSERVERS, rows(observers, ObserverRow::parameters));
        step(out, Statement.REGISTER_FIELDS, registerFields);
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
        CREATE_INFORMED_BY("ingest/create-informed-by", "rows"),
        UPSERT_OBSERVERS("ingest/upsert-observers", "rows"),
        /** The flattened keys the batch made queryable for the first time in their scope (campaign). */
        REGISTER_FIELDS("fields/register", "rows");

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
     * An observer's latest report: all the properties its node gets ({@link NodeProperties#observer}),
     * which replace the stored ones, and its {@code at}, which the statement checks once more against
     * the stored one (two ingesters may write the same observer at once).
     */
    record ObserverRow(String observerId, double at, Map<String, Object> props) {
        ObserverRow {
            props = Map.copyOf(props);
        }

        Map<String, Object> parameters() {
            return Map.of("observer_id", observerId, "at", at, "props", props);
        }
    }

    /** An event of the batch that is not applied, and why (the ingest dead-letters it with this reason). */
    record Refusal(Event event, String reason) {}

    /**
     * A batch's events: each task's events in batch order, workflows folded per workflow and observer
     * reports per observer (the latest kept), each in the order first seen; and the ids whose stored
     * state its plan needs. A task's events are folded by the plan, which alone knows the workflow the
     * task belongs to.
     */
    record Batch(
            Map<String, List<TaskEvent>> tasks,
            Map<String, WorkflowEvent> workflows,
            Map<String, ObserverEvent> observers) {
        Batch {
            var t = new LinkedHashMap<String, List<TaskEvent>>(tasks.size() * 2);
            for (var e : tasks.entrySet()) t.put(e.getKey(), List.copyOf(e.getValue()));
            tasks = Collections.unmodifiableMap(t);
            workflows = Collections.unmodifiableMap(new LinkedHashMap<>(workflows));
            observers = Collections.unmodifiableMap(new LinkedHashMap<>(observers));
        }

        static Batch of(List<Event> events) {
            var tasks = new LinkedHashMap<String, List<TaskEvent>>();
            var workflows = new LinkedHashMap<String, WorkflowEvent>();
            var observers = new LinkedHashMap<String, ObserverEvent>();
            for (Event e : events) {
                if (e instanceof TaskEvent t)
                    tasks.computeIfAbsent(t.taskId(), k -> new ArrayList<>(2)).add(t);
                else if (e instanceof WorkflowEvent w) workflows.merge(w.workflowId(), w, WorkflowEvent::merge);
                else if (e instanceof ObserverEvent o) observers.merge(o.observerId(), o, ObserverEvent::merge);
            }
            return new Batch(tasks, workflows, observers);
        }

        boolean isEmpty() {
            return tasks.isEmpty() && workflows.isEmpty() && observers.isEmpty();
        }

        /** The batch's tasks, then the tasks they depend on. */
        List<String> taskIds() {
            var ids = new LinkedHashSet<>(tasks.keySet());
            for (List<TaskEvent> ts : tasks.values()) for (TaskEvent t : ts) ids.addAll(t.dependencies());
            return List.copyOf(ids);
        }

        /**
         * The batch's workflows, then those its task events name, then parents: every workflow the plan
         * may create or update (events the plan refuses included).
         */
        List<String> workflowIds() {
            var ids = new LinkedHashSet<>(workflows.keySet());
            for (List<TaskEvent> ts : tasks.values())
                for (TaskEvent t : ts) if (t.workflowId() != null) ids.add(t.workflowId());
            for (WorkflowEvent w : workflows.values()) if (w.parentWorkflowId() != null) ids.add(w.parentWorkflowId());
            return List.copyOf(ids);
        }

        /** The campaigns the batch's task events and workflows name. */
        List<String> campaignIds() {
            var ids = new LinkedHashSet<String>();
            for (List<TaskEvent> ts : tasks.values())
                for (TaskEvent t : ts) if (t.campaignId() != null) ids.add(t.campaignId());
            for (WorkflowEvent w : workflows.values()) if (w.campaignId() != null) ids.add(w.campaignId());
            return List.copyOf(ids);
        }

        /** The entities the batch's task events use or generate. */
        List<String> entityIds() {
            var ids = new LinkedHashSet<String>();
            for (List<TaskEvent> ts : tasks.values()) {
                for (TaskEvent t : ts) {
                    for (EntityRef r : t.usedEntities()) ids.add(r.id());
                    for (EntityRef r : t.generatedEntities()) ids.add(r.id());
                }
            }
            return List.copyOf(ids);
        }

        /** The observers the batch reports on. */
        List<String> observerIds() {
            return List.copyOf(observers.keySet());
        }
    }

    /**
     * What the store holds of the ids a batch names, read in the batch's transaction before the plan is
     * made. A task or workflow present with an empty document exists as a node without one (a
     * dependency placeholder, or a node another writer made); absent means no node. Entities map to the
     * properties their node holds; observers to the {@code at} of their stored report. {@code fields} are
     * the flattened keys each scope of the batch ({@link org.mida.server.fields.FieldRegistry#scope}) has
     * made queryable (a scope not there: none); null when no registry bounds the keys (every key admitted,
     * up to the per-node bound).
     */
    record Stored(
            Map<String, Optional<TaskEvent>> tasks,
            Map<String, Optional<WorkflowEvent>> workflows,
            Set<String> campaigns,
            Map<String, Map<String, Object>> entities,
            Map<String, Double> observers,
            Map<String, Set<String>> fields) {
        Stored {
            tasks = Map.copyOf(tasks);
            workflows = Map.copyOf(workflows);
            campaigns = Set.copyOf(campaigns);
            entities = Map.copyOf(entities);
            observers = Map.copyOf(observers);
            fields = fields == null ? null : Map.copyOf(fields);
        }

        /** A stored state with no field registry. */
        Stored(
                Map<String, Optional<TaskEvent>> tasks,
                Map<String, Optional<WorkflowEvent>> workflows,
                Set<String> campaigns,
                Map<String, Map<String, Object>> entities,
                Map<String, Double> observers) {
            this(tasks, workflows, campaigns, entities, observers, null);
        }

        /** A stored state with no observers. */
        Stored(
                Map<String, Optional<TaskEvent>> tasks,
                Map<String, Optional<WorkflowEvent>> workflows,
                Set<String> campaigns,
                Map<String, Map<String, Object>> entities) {
            this(tasks, workflows, campaigns, entities, Map.of());
        }

        static final Stored NOTHING = new Stored(Map.of(), Map.of(), Set.of(), Map.of(), Map.of(), null);
    }

    /** Builds one plan; not reused. */
    private static final class Planner {
        private final Batch batch;
        private final Stored stored;
        private final NodeProperties properties;
        private final FieldBudget fields;

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
        private final List<ObserverRow> observers = new ArrayList<>();
        private final List<Refusal> refused = new ArrayList<>();
        private final double receivedAt;
        /** Each task's events of the batch that it applies, merged. */
        private final Map<String, TaskEvent> sent = new LinkedHashMap<>();

        private int unchangedTasks;

        Planner(Batch batch, Stored stored, NodeProperties properties, double receivedAt) {
            this.batch = batch;
            this.stored = stored;
            this.properties = properties;
            this.fields = new FieldBudget(stored.fields(), properties.maxKeysPerScope());
            this.receivedAt = receivedAt;
        }

        IngestPlan plan() {
            foldTasks();
            for (TaskEvent t : sent.values()) if (t.campaignId() != null) campaigns.add(t.campaignId());
            planWorkflows();
            planTasks();
            planObservers();
            var createEntities = new ArrayList<EntityRow>();
            var updateEntities = new ArrayList<EntityRow>();
            planEntities(createEntities, updateEntities);
            campaigns.removeAll(stored.campaigns());
            int created = 0;
            for (TaskRow r : createTasks) if (sent.containsKey(r.taskId())) created++;
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
                    changed,
                    observers,
                    refused,
                    fields.rows());
        }

        /**
         * Merges each task's events in batch order, refusing those that name another workflow than the
         * task's own: the one its stored document names, else the first one an event of the batch names.
         */
        private void foldTasks() {
            for (var e : batch.tasks().entrySet()) {
                String id = e.getKey();
                Optional<TaskEvent> doc = stored.tasks().get(id);
                String owner =
                        doc == null ? null : doc.map(TaskEvent::workflowId).orElse(null);
                TaskEvent merged = null;
                for (TaskEvent t : e.getValue()) {
                    String named = t.workflowId();
                    if (named != null && owner != null && !named.equals(owner)) {
                        refused.add(new Refusal(t, workflowMismatch(id, owner, named)));
                        continue;
                    }
                    if (owner == null) owner = named;
                    merged = merged == null ? t : merged.merge(t);
                }
                if (merged != null) sent.put(id, merged);
            }
        }

        /**
         * The workflows the plan writes: the batch's, then those its applied tasks name (→ the campaign
         * the first task naming it with one gives, "" for none), then parents.
         */
        private Map<String, String> workflowsToWrite() {
            var ids = new LinkedHashMap<String, String>();
            for (String id : batch.workflows().keySet()) ids.put(id, "");
            var stubs = new LinkedHashMap<String, String>();
            for (TaskEvent t : sent.values())
                if (t.workflowId() != null)
                    stubs.merge(
                            t.workflowId(),
                            t.campaignId() == null ? "" : t.campaignId(),
                            (a, b) -> a.isEmpty() ? b : a);
            for (var st : stubs.entrySet()) ids.put(st.getKey(), st.getValue());
            for (WorkflowEvent w : batch.workflows().values())
                if (w.parentWorkflowId() != null) ids.putIfAbsent(w.parentWorkflowId(), "");
            return ids;
        }

        private void planWorkflows() {
            Map<String, String> stubs = workflowsToWrite();
            for (String id : stubs.keySet()) {
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
                // the stored document's properties first: they do not depend on keys this one registers
                Map<String, Object> before = !exists
                        ? Map.of()
                        : old == null
                                ? Map.of("workflow_id", id)
                                : properties.workflow(old, fields.registered(scope(old)));
                Map<String, Object> props = properties.workflow(merged, fields.writing(scope(merged)));
                if (!exists) {
                    createWorkflows.add(new WorkflowRow(id, merged.campaignId(), props, false));
                    changed.add(merged);
                    continue;
                }
                Map<String, Object> delta = delta(before, props);
                boolean relink = merged.campaignId() != null
                        && !merged.campaignId().equals(old == null ? null : old.campaignId());
                if (delta.isEmpty() && !relink) continue;
                updateWorkflows.add(new WorkflowRow(id, merged.campaignId(), delta, relink));
                changed.add(merged);
            }
        }

        private void planTasks() {
            for (TaskEvent sent : this.sent.values()) {
                Optional<TaskEvent> doc = stored.tasks().get(sent.taskId());
                boolean exists = doc != null;
                TaskEvent old = exists ? doc.orElse(null) : null;
                TaskEvent merged = old == null ? sent : old.merge(sent);
                collectEntities(sent);
                // the stored document's properties first: they do not depend on keys this one registers
                Map<String, Object> before = !exists
                        ? Map.of()
                        : old == null
                                ? Map.of("task_id", sent.taskId())
                                : properties.task(old, fields.registered(scope(old)));
                Map<String, Object> props = properties.task(merged, fields.writing(scope(merged)));
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
            var placeholders = new LinkedHashSet<String>();
            for (TaskEvent t : sent.values())
                for (String d : t.dependencies())
                    if (!sent.containsKey(d) && !stored.tasks().containsKey(d)) placeholders.add(d);
            for (String d : placeholders) createTasks.add(TaskRow.placeholder(d));
        }

        /** Each observer's latest report of the batch, when it is newer than the stored one. */
        private void planObservers() {
            for (ObserverEvent o : batch.observers().values()) {
                Double storedAt = stored.observers().get(o.observerId());
                if (storedAt != null && storedAt >= o.at()) continue;
                observers.add(new ObserverRow(o.observerId(), o.at(), properties.observer(o, receivedAt)));
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

    private static String scope(TaskEvent t) {
        return FieldRegistry.scope(t.campaignId(), t.workflowId());
    }

    private static String scope(WorkflowEvent w) {
        return FieldRegistry.scope(w.campaignId(), w.workflowId());
    }

    /** Why a task event naming another workflow than its task's is refused. */
    static String workflowMismatch(String taskId, String owner, String named) {
        return "task \"" + EventCodec.abbreviate(taskId) + "\" belongs to workflow \"" + EventCodec.abbreviate(owner)
                + "\"; this event names \"" + EventCodec.abbreviate(named)
                + "\" (a task belongs to one workflow: send it with that workflow_id or none, or use a new task_id)";
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
