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
import org.mida.server.ingest.EntityVersions.Version;
import org.mida.server.ingest.EntityVersions.View;

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
 * Stored stored = ...; // what the store holds of batch.taskIds(), workflowIds(), campaignIds(), entityIds(stored tasks)
 * IngestPlan plan = IngestPlan.of(batch, stored, new NodeProperties(codec), nowEpochSeconds);
 * for (Step s : plan.steps()) tx.run(textOf(s.statement()), s.parameters());
 * }</pre>
 *
 * @param changed the merged state (as it will be stored) of every workflow, then task, that the batch
 *     creates or changes
 * @param observers the observer reports that replace the stored ones (or are the first of their observer)
 * @param refused the batch's events that are not applied, each with the reason (by task, in the order the
 *     batch first names each task)
 * @param fieldScopes the field registry scopes whose keys the plan registers or refused for the scope's
 *     bound: a plan that depends on them must be made on a fresh read of them under their lock
 */
record IngestPlan(
        List<String> campaigns,
        List<WorkflowRow> createWorkflows,
        List<WorkflowRow> updateWorkflows,
        List<SubWorkflowLink> subWorkflowLinks,
        List<EntityRow> createEntities,
        List<EntityRow> updateEntities,
        List<VersionRow> createVersions,
        List<VersionRow> updateVersions,
        List<MoveGeneration> moveGenerations,
        List<Agent> agents,
        List<TaskRow> createTasks,
        List<TaskRow> updateTasks,
        List<InformedBy> informedBy,
        List<Rebind> rebinds,
        List<String> deleteOrigins,
        int tasksCreated,
        int tasksUpdated,
        int tasksUnchanged,
        List<Event> changed,
        List<ObserverRow> observers,
        List<Refusal> refused,
        List<Map<String, Object>> registerFields,
        Set<String> fieldScopes) {

    IngestPlan {
        campaigns = List.copyOf(campaigns);
        createWorkflows = List.copyOf(createWorkflows);
        updateWorkflows = List.copyOf(updateWorkflows);
        subWorkflowLinks = List.copyOf(subWorkflowLinks);
        createEntities = List.copyOf(createEntities);
        updateEntities = List.copyOf(updateEntities);
        createVersions = List.copyOf(createVersions);
        updateVersions = List.copyOf(updateVersions);
        moveGenerations = List.copyOf(moveGenerations);
        agents = List.copyOf(agents);
        createTasks = List.copyOf(createTasks);
        updateTasks = List.copyOf(updateTasks);
        informedBy = List.copyOf(informedBy);
        rebinds = List.copyOf(rebinds);
        deleteOrigins = List.copyOf(deleteOrigins);
        changed = List.copyOf(changed);
        observers = List.copyOf(observers);
        refused = List.copyOf(refused);
        registerFields = List.copyOf(registerFields);
        fieldScopes = Set.copyOf(fieldScopes);
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
        step(out, Statement.CREATE_VERSIONS, rows(createVersions, VersionRow::parameters));
        step(out, Statement.UPDATE_VERSIONS, rows(updateVersions, VersionRow::parameters));
        step(out, Statement.MOVE_GENERATIONS, rows(moveGenerations, MoveGeneration::parameters));
        step(out, Statement.MERGE_AGENTS, rows(agents, Agent::parameters));
        taskSteps(out, Statement.CREATE_TASKS, Statement.CREATE_TASKS_VERSIONED, createTasks);
        taskSteps(out, Statement.UPDATE_TASKS, Statement.UPDATE_TASKS_VERSIONED, updateTasks);
        step(out, Statement.REBIND_USAGES, rows(rebinds, Rebind::parameters));
        step(out, Statement.DELETE_ORIGINS, deleteOrigins);
        step(out, Statement.CREATE_INFORMED_BY, rows(informedBy, InformedBy::parameters));
        step(out, Statement.UPSERT_OBSERVERS, rows(observers, ObserverRow::parameters));
        step(out, Statement.REGISTER_FIELDS, registerFields);
        return out;
    }

    /**
     * Task rows in two statements: those linking only entities through the lean one, those with a link to a
     * version or origin node through the one that also makes those (per-row subqueries cost even when empty).
     */
    private static void taskSteps(List<Step> out, Statement lean, Statement versioned, List<TaskRow> tasks) {
        var plain = new ArrayList<Map<String, Object>>(tasks.size());
        var withVersions = new ArrayList<Map<String, Object>>();
        for (TaskRow t : tasks) (t.linksVersions() ? withVersions : plain).add(t.parameters());
        step(out, lean, plain);
        step(out, versioned, withVersions);
    }

    private static void step(List<Step> out, Statement s, List<?> rows) {
        // every row value is a Long, Double, String, Boolean, list or map of those (NodeProperties, ids, roles,
        // values read back from the store): passed in-process as built (IngestPlanTest checks the types)
        if (!rows.isEmpty()) out.add(new Step(s, new IngestTransport.Ready(s.parameter(), rows)));
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
        CREATE_VERSIONS("ingest/create-versions", "rows"),
        UPDATE_VERSIONS("ingest/update-versions", "rows"),
        MOVE_GENERATIONS("ingest/move-generations", "rows"),
        MERGE_AGENTS("ingest/merge-agents", "rows"),
        /** Tasks whose links all point at entities (most); those with a version or origin link take the next. */
        CREATE_TASKS("ingest/create-tasks", "rows"),
        CREATE_TASKS_VERSIONED("ingest/create-tasks-versioned", "rows"),
        UPDATE_TASKS("ingest/update-tasks", "rows"),
        UPDATE_TASKS_VERSIONED("ingest/update-tasks-versioned", "rows"),
        REBIND_USAGES("ingest/rebind-usages", "rows"),
        DELETE_ORIGINS("ingest/delete-origins", "ids"),
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
     * A usage or generation link of a task: the entity's id, the role, and the version it points at (its
     * id; null for a usage bound to the entity itself, its origin). {@code version} is the label a
     * usage's reference named explicitly (kept on the relationship: such a binding never moves), else null.
     */
    record Use(String id, String role, String target, String version) {
        static Use of(String id, String role) {
            return new Use(id, role, null, null);
        }

        Map<String, Object> parameters() {
            var p = new HashMap<String, Object>(6);
            p.put("id", id);
            p.put("role", role);
            p.put("target", target);
            p.put("version", version);
            return p;
        }
    }

    /**
     * A task to create (all its properties, every link) or to update (changed properties only, null for
     * removed ones; new links only; {@code relinkWorkflow} when its workflow changed). A task named only
     * as a dependency is created as a placeholder that holds only its id. Generations always point at a
     * version; usages at a version or, bound to the origin, at the entity.
     */
    record TaskRow(
            String taskId,
            String workflowId,
            Map<String, Object> props,
            List<Use> used,
            List<Use> generated,
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

        /** Whether a usage or generation of the row points at a version or origin node. */
        boolean linksVersions() {
            for (Use u : used) if (u.target() != null) return true;
            for (Use g : generated) if (g.target() != null) return true;
            return false;
        }

        Map<String, Object> parameters() {
            var p = new HashMap<String, Object>();
            p.put("task_id", taskId);
            p.put("workflow_id", workflowId);
            p.put("props", props);
            var toEntities = new ArrayList<Map<String, Object>>();
            var toVersions = new ArrayList<Map<String, Object>>();
            for (Use u : used) (u.target() == null ? toEntities : toVersions).add(u.parameters());
            p.put("used", toEntities);
            p.put("used_versions", toVersions);
            var genEntities = new ArrayList<Map<String, Object>>();
            var genVersions = new ArrayList<Map<String, Object>>();
            for (Use g : generated) (g.target() == null ? genEntities : genVersions).add(g.parameters());
            p.put("generated", genEntities);
            p.put("generated_versions", genVersions);
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
            // the planner's own map, made for this row: not copied (issue 15: thousands of rows per batch)
            props = Collections.unmodifiableMap(props);
        }

        Map<String, Object> parameters() {
            return Map.of("id", id, "props", props);
        }
    }

    /**
     * A version of an entity to create (all its properties: {@code id}, {@code entity_id}, {@code version},
     * {@code generated_by}, {@code generated_at}, type and attributes) or the properties of a stored one
     * that change.
     */
    record VersionRow(String id, String entityId, Map<String, Object> props) {
        VersionRow {
            props = Collections.unmodifiableMap(props); // the planner's own map, made for this row
        }

        Map<String, Object> parameters() {
            return Map.of("id", id, "entity_id", entityId, "props", props);
        }
    }

    /**
     * A stored task whose usages of one entity (the entity itself or any of its versions) change binding:
     * they are replaced by {@code uses}, all of them.
     */
    record Rebind(String taskId, String entityId, List<Use> uses) {
        Rebind {
            uses = List.copyOf(uses);
        }

        Map<String, Object> parameters() {
            return Map.of("task_id", taskId, "entity_id", entityId, "uses", rows(uses, Use::parameters));
        }
    }

    /**
     * A flat entity that became versioned: the generations task {@code taskId} recorded on the entity move
     * to the version {@code target}.
     */
    record MoveGeneration(String entityId, String taskId, String target) {
        Map<String, Object> parameters() {
            return Map.of("entity_id", entityId, "task_id", taskId, "target", target);
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
            Map<String, ObserverEvent> observers,
            References refs) {
        Batch(
                Map<String, List<TaskEvent>> tasks,
                Map<String, WorkflowEvent> workflows,
                Map<String, ObserverEvent> observers) {
            this(tasks, workflows, observers, new References());
        }

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
            if (refs.campaignIds != null) return refs.campaignIds;
            var ids = new LinkedHashSet<String>();
            for (List<TaskEvent> ts : tasks.values())
                for (TaskEvent t : ts) if (t.campaignId() != null) ids.add(t.campaignId());
            for (WorkflowEvent w : workflows.values()) if (w.campaignId() != null) ids.add(w.campaignId());
            return refs.campaignIds = List.copyOf(ids);
        }

        /**
         * The entities the batch's task events, then the stored documents of its tasks, use or generate (the
         * plan binds every usage of a task it changes, and re-times every version it generated).
         */
        List<String> entityIds(Map<String, Optional<TaskEvent>> storedTasks) {
            // the events' ids are found once per batch (the read asks, and the known ids after the commit; issue
            // 15, 16th session), then the stored documents' are added: the callers sort them or keep a set
            if (refs.eventEntityIds == null) {
                var ids = new LinkedHashSet<String>();
                for (List<TaskEvent> ts : tasks.values())
                    for (TaskEvent t : ts) {
                        for (EntityRef r : refs.used(t)) ids.add(r.id());
                        for (EntityRef r : refs.generated(t)) ids.add(r.id());
                    }
                refs.eventEntityIds = List.copyOf(ids);
            }
            Set<String> ids = null;
            for (String id : tasks.keySet()) {
                Optional<TaskEvent> doc = storedTasks.get(id);
                if (doc == null || doc.isEmpty()) continue;
                if (ids == null) ids = new LinkedHashSet<>(refs.eventEntityIds);
                for (EntityRef r : refs.used(doc.get())) ids.add(r.id());
                for (EntityRef r : refs.generated(doc.get())) ids.add(r.id());
            }
            return ids == null ? refs.eventEntityIds : List.copyOf(ids);
        }

        /**
         * The entities whose versions the batch may add or re-time: those its task events, or the stored
         * documents of its tasks, generate. Their stored usages are read, since a new version may re-bind
         * them.
         */
        List<String> versionedEntityIds(Map<String, Optional<TaskEvent>> storedTasks) {
            var ids = new LinkedHashSet<String>();
            for (var e : tasks.entrySet()) {
                for (TaskEvent t : e.getValue()) {
                    for (EntityRef r : refs.generated(t)) ids.add(r.id());
                    // a usage naming a version makes its entity versioned: its stored usages re-bind
                    for (EntityRef r : refs.used(t)) if (EntityVersions.explicit(r) != null) ids.add(r.id());
                }
                Optional<TaskEvent> doc = storedTasks.get(e.getKey());
                if (doc != null && doc.isPresent()) for (EntityRef r : refs.generated(doc.get())) ids.add(r.id());
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
     * properties their node holds, {@code versions} to the properties of each of their version nodes;
     * observers to the {@code at} of their stored report. {@code usages} holds, for the entities whose
     * versions the batch may change ({@link Batch#versionedEntityIds}), every stored usage of the entity or
     * of one of its versions; {@code generations} the generations recorded on an entity's own node (a flat
     * entity: at most one generation). {@code fields} are the flattened keys each scope of the batch
     * ({@link org.mida.server.fields.FieldRegistry#scope}) has made queryable (a scope not there: none);
     * null when no registry bounds the keys (every key admitted, up to the per-node bound).
     */
    record Stored(
            Map<String, Optional<TaskEvent>> tasks,
            Map<String, Optional<WorkflowEvent>> workflows,
            Set<String> campaigns,
            Map<String, Map<String, Object>> entities,
            Map<String, Double> observers,
            Map<String, List<Map<String, Object>>> versions,
            Map<String, List<Usage>> usages,
            Map<String, List<Generation>> generations,
            Map<String, Set<String>> fields) {
        Stored {
            tasks = Map.copyOf(tasks);
            workflows = Map.copyOf(workflows);
            campaigns = Set.copyOf(campaigns);
            entities = Map.copyOf(entities);
            observers = Map.copyOf(observers);
            versions = Map.copyOf(versions);
            usages = Map.copyOf(usages);
            generations = Map.copyOf(generations);
            fields = fields == null ? null : Map.copyOf(fields);
        }

        /** A stored state with versions and no field registry. */
        Stored(
                Map<String, Optional<TaskEvent>> tasks,
                Map<String, Optional<WorkflowEvent>> workflows,
                Set<String> campaigns,
                Map<String, Map<String, Object>> entities,
                Map<String, Double> observers,
                Map<String, List<Map<String, Object>>> versions,
                Map<String, List<Usage>> usages,
                Map<String, List<Generation>> generations) {
            this(tasks, workflows, campaigns, entities, observers, versions, usages, generations, null);
        }

        /** A stored state with no versions and no field registry. */
        Stored(
                Map<String, Optional<TaskEvent>> tasks,
                Map<String, Optional<WorkflowEvent>> workflows,
                Set<String> campaigns,
                Map<String, Map<String, Object>> entities,
                Map<String, Double> observers) {
            this(tasks, workflows, campaigns, entities, observers, Map.of(), Map.of(), Map.of(), null);
        }

        /** A stored state with no observers. */
        Stored(
                Map<String, Optional<TaskEvent>> tasks,
                Map<String, Optional<WorkflowEvent>> workflows,
                Set<String> campaigns,
                Map<String, Map<String, Object>> entities) {
            this(tasks, workflows, campaigns, entities, Map.of());
        }

        static final Stored NOTHING = new Stored(Map.of(), Map.of(), Set.of(), Map.of(), Map.of());
    }

    /**
     * A stored usage: task {@code taskId} used the entity (or one of its versions) as {@code role}, naming
     * version {@code explicit} (or none), at time {@code at} (null when unknown).
     */
    record Usage(String taskId, String role, String explicit, Double at) {}

    /**
     * A generation recorded on a (flat) entity's node: by task {@code taskId} as {@code role}, at the task's
     * time ({@link EntityVersions#generatedAt}, null when unknown).
     */
    record Generation(String taskId, String role, Double at) {}

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
        private final List<VersionRow> createVersions = new ArrayList<>();
        private final List<VersionRow> updateVersions = new ArrayList<>();
        private final List<Rebind> rebinds = new ArrayList<>();
        private final double receivedAt;
        /** Each task's events of the batch that it applies, merged. */
        private final Map<String, TaskEvent> sent = new LinkedHashMap<>();
        /** Each applied task's merged document (stored document and the batch's events). */
        private final Map<String, TaskEvent> mergedTasks = new LinkedHashMap<>();
        /** Each entity the batch touches: its generations, versions and binding, stored and after. */
        private final Map<String, Family> families = new LinkedHashMap<>();
        /** version id → its properties, once the batch is applied. */
        private final Map<String, Map<String, Object>> versionProps = new HashMap<>();
        /** Attributes the batch's generation references give each entity (for a flat entity). */
        private final Map<String, Map<String, Object>> generatedProps = new HashMap<>();
        /** Each reference's attributes as entity properties ({@link #entityAttributes}). */
        private final Map<EntityRef, Map<String, Object>> attributes = new java.util.IdentityHashMap<>();

        private final List<MoveGeneration> moves = new ArrayList<>();
        /** Entities whose origin node some usage left: deleted once no usage points at it. */
        private final Set<String> leftOrigins = new LinkedHashSet<>();
        /** Entities whose origin node some usage now points at: made when missing. */
        private final Set<String> madeOrigins = new LinkedHashSet<>();

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
            planVersions();
            planTasks();
            planStoredUsages();
            planOrigins();
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
                    createVersions,
                    updateVersions,
                    moves,
                    new ArrayList<>(agents.values()),
                    createTasks,
                    updateTasks,
                    informedBy,
                    rebinds,
                    leftOrigins.stream().map(EntityVersions::originId).toList(),
                    created,
                    updateTasks.size(),
                    unchangedTasks,
                    changed,
                    observers,
                    refused,
                    fields.rows(),
                    fields.decidingScopes());
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

        /** The stored document of a task, or null (no node, or a placeholder). */
        private TaskEvent storedDoc(String taskId) {
            Optional<TaskEvent> doc = stored.tasks().get(taskId);
            return doc == null ? null : doc.orElse(null);
        }

        /**
         * One entity's generations and versions, as stored and once the batch is applied, and the {@link
         * View} by which its usages bind in each state.
         */
        private final class Family {
            final String id;
            /** Stored version nodes by label (not the origin node). */
            Map<String, Version> storedVersions = Map.of();
            /** Stored generations recorded on the entity node itself (a flat entity). */
            List<Generation> storedFlat = List.of();

            boolean storedOrigin;
            /** Every generation and named version by label, once the batch is applied. */
            final Map<String, Version> versions = new LinkedHashMap<>();

            boolean explicit;
            View before = View.NONE, after = View.NONE;

            Family(String id) {
                this.id = id;
            }

            boolean storedVersioned() {
                return !storedVersions.isEmpty();
            }
        }

        private Family family(String entityId) {
            return families.computeIfAbsent(entityId, this::readFamily);
        }

        /** A family as stored: its version nodes (and origin node) and the generations on its entity node. */
        private Family readFamily(String entityId) {
            var f = new Family(entityId);
            // most entities a batch names are new: no stored version or generation, nothing allocated
            for (Map<String, Object> props : stored.versions().getOrDefault(entityId, List.of())) {
                if (Boolean.TRUE.equals(props.get("origin"))) {
                    f.storedOrigin = true;
                    continue;
                }
                Version v = Version.of(props);
                if (f.storedVersions.isEmpty()) f.storedVersions = new HashMap<>();
                f.storedVersions.put(v.label(), v);
                versionProps.put(v.id(), props);
            }
            f.storedFlat = stored.generations().getOrDefault(entityId, List.of());
            if (f.storedVersions.isEmpty() && f.storedFlat.isEmpty()) return f; // before: View.NONE
            Version flat = null;
            for (Generation g : f.storedFlat) {
                Version v =
                        new Version(EntityVersions.id(entityId, g.taskId()), entityId, g.taskId(), g.at(), g.taskId());
                if (flat == null || (v.at() != null && (flat.at() == null || v.after(flat)))) flat = v;
            }
            f.before = new View(f.storedVersioned(), List.copyOf(f.storedVersions.values()), flat);
            return f;
        }

        /**
         * Every entity's generations once the batch is applied (stored ones re-timed by the batch's merged
         * documents), its versions and its view: versioned when it has generations of two labels or a
         * version named explicitly, else flat. Version rows for a versioned entity (those of a flat entity
         * that becomes versioned included, with its generations moved onto them); origin nodes come with
         * the usages ({@link #planOrigins}).
         */
        private void planVersions() {
            for (TaskEvent t : sent.values()) {
                TaskEvent old = storedDoc(t.taskId());
                mergedTasks.put(t.taskId(), old == null ? t : old.merge(t));
            }
            for (String id : stored.entities().keySet()) family(id);
            // the stored generations, re-timed when their task is in the batch
            for (Family f : families.values()) {
                for (Version v : f.storedVersions.values()) f.versions.put(v.label(), retime(v));
                for (Generation g : f.storedFlat) {
                    Version v = new Version(EntityVersions.id(f.id, g.taskId()), f.id, g.taskId(), g.at(), g.taskId());
                    f.versions.putIfAbsent(v.label(), retime(v));
                }
            }
            // the batch's generations, in batch order; a version two tasks claim stays with the earlier one
            var made = new LinkedHashMap<String, Made>();
            for (TaskEvent t : mergedTasks.values()) {
                Double at = EntityVersions.generatedAt(t);
                for (EntityRef g : batch.refs().generated(t)) {
                    Family f = family(g.id());
                    String label = EntityVersions.label(g, t.taskId());
                    if (!label.equals(t.taskId())) f.explicit = true;
                    Version v = new Version(EntityVersions.id(g.id(), label), g.id(), label, at, t.taskId());
                    Version other = f.versions.get(label);
                    if (other != null
                            && other.generatedBy() != null
                            && !other.generatedBy().equals(t.taskId())) {
                        if (!earlier(v, other)) continue;
                        made.remove(other.id());
                    }
                    f.versions.put(label, v);
                    generatedProps.merge(g.id(), entityAttributes(g), Planner::over);
                    made.computeIfAbsent(v.id(), k -> new Made(v.id(), g.id())).generated(g, label, t.taskId(), at);
                }
            }
            // versions usages name that no generation made: data of a known version that came from outside
            for (TaskEvent t : mergedTasks.values()) {
                for (EntityRef u : batch.refs().used(t)) {
                    String label = EntityVersions.explicit(u);
                    Family f = family(u.id());
                    if (label == null) continue;
                    f.explicit = true;
                    if (f.versions.containsKey(label)) continue;
                    Version v = new Version(EntityVersions.id(u.id(), label), u.id(), label, null, null);
                    f.versions.put(label, v);
                    var props = new HashMap<>(entityAttributes(u));
                    props.put("id", v.id());
                    props.put("entity_id", u.id());
                    props.put("version", label);
                    made.put(v.id(), new Made(u.id(), props));
                }
            }
            for (Family f : families.values()) {
                for (Version v : f.storedVersions.values()) if (!v.label().equals(v.generatedBy())) f.explicit = true;
                int generations = 0;
                for (Version v : f.versions.values()) if (v.generatedBy() != null) generations++;
                boolean versioned = f.explicit || generations >= 2 || f.storedVersioned();
                Version flat = versioned || generations == 0
                        ? null
                        : f.versions.values().iterator().next();
                f.after = new View(versioned, List.copyOf(f.versions.values()), flat);
                if (!versioned) continue;
                entitiesNeeded.add(f.id);
                // a flat entity becoming versioned: its generations become versions, moved off the entity
                Map<String, Object> entityNow = stored.entities().getOrDefault(f.id, Map.of());
                for (Generation g : f.storedFlat) {
                    Version v = f.versions.get(g.taskId());
                    if (v == null) continue;
                    moves.add(new MoveGeneration(f.id, g.taskId(), v.id()));
                    if (made.containsKey(v.id())) continue;
                    var props = new HashMap<String, Object>();
                    for (var e : entityNow.entrySet())
                        if (!VERSION_ONLY.contains(e.getKey())) props.put(e.getKey(), e.getValue());
                    props.put("id", v.id());
                    props.put("entity_id", f.id);
                    props.put("version", v.label());
                    props.put("generated_by", g.taskId());
                    if (v.at() != null) props.put("generated_at", v.at());
                    made.put(v.id(), new Made(f.id, props));
                }
                if (f.storedOrigin) leftOrigins.add(f.id);
            }
            for (var m : made.entrySet()) {
                String entityId = m.getValue().entityId;
                if (!family(entityId).after.versioned()) continue; // a flat entity's generation stays on it
                Map<String, Object> props = m.getValue().props();
                entitiesNeeded.add(entityId);
                Map<String, Object> before = versionProps.get(m.getKey());
                if (before == null) {
                    createVersions.add(new VersionRow(m.getKey(), entityId, props));
                    versionProps.put(m.getKey(), props);
                    continue;
                }
                var changedProps = new HashMap<String, Object>();
                for (var p : props.entrySet())
                    if (!Objects.equals(before.get(p.getKey()), p.getValue()))
                        changedProps.put(p.getKey(), p.getValue());
                if (changedProps.isEmpty()) continue;
                updateVersions.add(new VersionRow(m.getKey(), entityId, changedProps));
                var after = new HashMap<>(before);
                after.putAll(changedProps);
                versionProps.put(m.getKey(), after);
            }
        }

        /**
         * A version the batch makes: its properties built only once its entity is known to be versioned (a
         * flat entity's generation stays on the entity node, and most entities a batch generates are flat).
         */
        private final class Made {
            final String entityId;
            private final String id;
            private Map<String, Object> props;
            private final List<EntityRef> refs = new ArrayList<>(1);
            private String label, generatedBy;
            private Double at;

            /** A version a generation makes; {@link #generated} names each reference to it. */
            Made(String id, String entityId) {
                this.id = id;
                this.entityId = entityId;
            }

            /** A version with these properties (named by a usage, or a flat entity's generation moved). */
            Made(String entityId, Map<String, Object> props) {
                this(null, entityId);
                this.props = props;
            }

            void generated(EntityRef ref, String label, String taskId, Double at) {
                refs.add(ref);
                this.label = label;
                this.generatedBy = taskId;
                this.at = at;
            }

            /** The version's properties: each reference's attributes, then what the version itself is. */
            Map<String, Object> props() {
                if (props != null) return props;
                props = new HashMap<>();
                for (EntityRef r : refs) props.putAll(entityAttributes(r));
                props.put("id", id);
                props.put("entity_id", entityId);
                props.put("version", label);
                props.put("generated_by", generatedBy);
                if (at != null) props.put("generated_at", at);
                return props;
            }
        }

        /** A stored generation with the time its task has once the batch is applied. */
        private Version retime(Version v) {
            if (v.generatedBy() == null) return v;
            TaskEvent t = mergedTasks.get(v.generatedBy());
            if (t == null) return v;
            return new Version(v.id(), v.entityId(), v.label(), EntityVersions.generatedAt(t), v.generatedBy());
        }

        /** True when {@code a} was generated before {@code b} (unknown times last, then by task id). */
        private static boolean earlier(Version a, Version b) {
            if (a.at() == null || b.at() == null) {
                if (a.at() != b.at()) return a.at() != null;
            } else if (!a.at().equals(b.at())) return a.at() < b.at();
            return a.generatedBy().compareTo(b.generatedBy()) < 0;
        }

        /**
         * A reference's attributes as entity properties, its {@code version} left to the version nodes; once
         * per reference (a plan asks for a generation's twice). Read-only.
         */
        private Map<String, Object> entityAttributes(EntityRef ref) {
            Map<String, Object> known = attributes.get(ref);
            if (known != null) return known;
            Map<String, Object> props = properties.entity(ref);
            if (props.containsKey(EntityVersions.ATTRIBUTE)) {
                props = new LinkedHashMap<>(props);
                props.remove(EntityVersions.ATTRIBUTE);
            }
            attributes.put(ref, props);
            return props;
        }

        /** The usage links a task's document makes to one entity, each bound by {@code view}, in order. */
        private Set<Use> uses(TaskEvent doc, String entityId, View view) {
            if (doc == null) return Set.of();
            var out = new LinkedHashSet<Use>();
            Double at = EntityVersions.usedAt(doc);
            for (EntityRef r : batch.refs().used(doc)) {
                if (!r.id().equals(entityId)) continue;
                String explicit = EntityVersions.explicit(r);
                out.add(new Use(entityId, r.role(), view.target(entityId, explicit, doc.taskId(), at), explicit));
            }
            return out;
        }

        /** Notes the origin nodes a usage moves to or from. */
        private void noteOrigins(String entityId, Set<Use> was, Set<Use> now) {
            for (Use u : now) if (isOrigin(u.target(), entityId)) madeOrigins.add(entityId);
            for (Use u : was) if (isOrigin(u.target(), entityId)) leftOrigins.add(entityId);
        }

        /** True when {@code target} is the origin node's id of {@code entityId} (no id built: most targets are null). */
        private static boolean isOrigin(String target, String entityId) {
            return target != null && target.equals(EntityVersions.originId(entityId));
        }

        private void planTasks() {
            for (TaskEvent sent : this.sent.values()) {
                Optional<TaskEvent> doc = stored.tasks().get(sent.taskId());
                boolean exists = doc != null;
                TaskEvent old = exists ? doc.orElse(null) : null;
                TaskEvent merged = mergedTasks.get(sent.taskId());
                collectEntities(sent);
                // the stored document's properties first: they do not depend on keys this one registers
                Map<String, Object> before = !exists
                        ? Map.of()
                        : old == null
                                ? Map.of("task_id", sent.taskId())
                                : properties.task(old, fields.registered(scope(old)));
                Map<String, Object> props = properties.task(merged, fields.writing(scope(merged)));
                List<Use> used = new ArrayList<>();
                boolean rebound = false;
                var entityIds = new LinkedHashSet<String>();
                for (EntityRef r : batch.refs().used(merged)) entityIds.add(r.id());
                for (String entityId : entityIds) {
                    entitiesNeeded.add(entityId);
                    Family f = family(entityId);
                    Set<Use> now = uses(merged, entityId, f.after);
                    Set<Use> was = uses(old, entityId, f.before);
                    noteOrigins(entityId, was, now);
                    if (was.isEmpty()) used.addAll(now);
                    else if (!was.equals(now)) {
                        rebinds.add(new Rebind(merged.taskId(), entityId, new ArrayList<>(now)));
                        rebound = true;
                    }
                }
                List<Use> generated = newGenerations(merged, old);
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
                    if (!rebound) unchangedTasks++;
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

        /**
         * Stored usages (by tasks the batch does not change) of the entities whose generations the batch
         * may add or re-time: each one whose binding moves is re-bound, with all its task's usages of the
         * entity.
         */
        private void planStoredUsages() {
            for (var e : stored.usages().entrySet()) {
                String entityId = e.getKey();
                Family f = family(entityId);
                var byTask = new LinkedHashMap<String, List<Usage>>();
                for (Usage u : e.getValue())
                    if (!sent.containsKey(u.taskId()))
                        byTask.computeIfAbsent(u.taskId(), k -> new ArrayList<>())
                                .add(u);
                for (var t : byTask.entrySet()) {
                    var was = new LinkedHashSet<Use>();
                    var now = new LinkedHashSet<Use>();
                    for (Usage u : t.getValue()) {
                        was.add(new Use(
                                entityId,
                                u.role(),
                                f.before.target(entityId, u.explicit(), u.taskId(), u.at()),
                                u.explicit()));
                        now.add(new Use(
                                entityId,
                                u.role(),
                                f.after.target(entityId, u.explicit(), u.taskId(), u.at()),
                                u.explicit()));
                    }
                    noteOrigins(entityId, was, now);
                    if (!was.equals(now)) rebinds.add(new Rebind(t.getKey(), entityId, new ArrayList<>(now)));
                }
            }
        }

        /** Origin nodes a usage now points at are made when missing; those usages left are cleaned up after. */
        private void planOrigins() {
            for (String entityId : madeOrigins) {
                Family f = family(entityId);
                String origin = EntityVersions.originId(entityId);
                if (f.after.versioned() || f.storedOrigin) continue;
                var props = new HashMap<String, Object>();
                props.put("id", origin);
                props.put("entity_id", entityId);
                props.put("version", "origin");
                props.put("origin", true);
                createVersions.add(new VersionRow(origin, entityId, props));
            }
            leftOrigins.removeIf(
                    e -> madeOrigins.contains(e) && !family(e).after.versioned());
        }

        /** Each observer's latest report of the batch, when it is newer than the stored one. */
        private void planObservers() {
            for (ObserverEvent o : batch.observers().values()) {
                Double storedAt = stored.observers().get(o.observerId());
                if (storedAt != null && storedAt >= o.at()) continue;
                observers.add(new ObserverRow(o.observerId(), o.at(), properties.observer(o, receivedAt)));
            }
        }

        /**
         * Every entity the batch names: created with the properties its references give it, or updated with
         * those that change. A versioned entity's attributes are its latest version's (by time, never by
         * arrival) over those its usages give; a flat entity's are its generation's, and once it has one,
         * its usages only add attributes it lacks.
         */
        private void planEntities(List<EntityRow> create, List<EntityRow> update) {
            for (String id : entitiesNeeded) {
                Family f = family(id);
                Map<String, Object> now = stored.entities().get(id);
                var props = new HashMap<String, Object>();
                Map<String, Object> fromUsages = entityProps.getOrDefault(id, Map.of());
                if (f.after.versioned()) {
                    props.putAll(fromUsages);
                    Version latest = EntityVersions.latest(f.versions.values());
                    if (latest != null)
                        for (var p :
                                versionProps.getOrDefault(latest.id(), Map.of()).entrySet())
                            if (!VERSION_ONLY.contains(p.getKey())) props.put(p.getKey(), p.getValue());
                } else if (f.after.flat() != null) {
                    for (var p : fromUsages.entrySet())
                        if (now == null || !now.containsKey(p.getKey())) props.put(p.getKey(), p.getValue());
                    props.putAll(generatedProps.getOrDefault(id, Map.of()));
                } else props.putAll(fromUsages);
                if (now == null) {
                    props.put("id", id);
                    create.add(new EntityRow(id, props));
                    continue;
                }
                var changedProps = new HashMap<String, Object>();
                for (var p : props.entrySet())
                    if (!Objects.equals(now.get(p.getKey()), p.getValue())) changedProps.put(p.getKey(), p.getValue());
                if (!changedProps.isEmpty()) update.add(new EntityRow(id, changedProps));
            }
        }

        /**
         * {@code later}'s properties over {@code earlier}'s, in a new map: the maps merged are {@link
         * #entityAttributes}' (shared, read-only), and most entities have one reference in a batch (no copy).
         */
        private static Map<String, Object> over(Map<String, Object> earlier, Map<String, Object> later) {
            var m = new LinkedHashMap<>(earlier);
            m.putAll(later);
            return m;
        }

        /** Every entity the batch's usages name is needed, with the properties their references give it (last wins). */
        private void collectEntities(TaskEvent sent) {
            for (EntityRef ref : batch.refs().used(sent)) {
                entitiesNeeded.add(ref.id());
                entityProps.merge(ref.id(), entityAttributes(ref), Planner::over);
            }
            for (EntityRef ref : batch.refs().generated(sent)) entitiesNeeded.add(ref.id());
        }

        /**
         * The generations of {@code now} that {@code before} did not link, each pointing at its version (a
         * versioned entity) or at the entity itself (a flat one).
         */
        private List<Use> newGenerations(TaskEvent now, TaskEvent before) {
            if (batch.refs().generated(now).isEmpty()) return List.of();
            var seen = new HashSet<String>();
            if (before != null)
                for (EntityRef r : batch.refs().generated(before)) seen.add(r.role() + '\u0000' + r.id());
            var out = new ArrayList<Use>();
            for (EntityRef r : batch.refs().generated(now)) {
                if (!seen.add(r.role() + '\u0000' + r.id())) continue;
                entitiesNeeded.add(r.id());
                Family f = family(r.id());
                Version v = f.versions.get(EntityVersions.label(r, now.taskId()));
                if (v == null || !now.taskId().equals(v.generatedBy())) continue; // an earlier task's version
                out.add(new Use(r.id(), r.role(), f.after.versioned() ? v.id() : null, null));
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

    /** Version properties that describe the version, not the entity: never copied onto the entity. */
    private static final Set<String> VERSION_ONLY =
            Set.of("id", "entity_id", "version", "generated_by", "generated_at");

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
