package org.mida.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.mida.event.EntityRef;
import org.mida.event.Event;
import org.mida.event.EventCodec;
import org.mida.event.ObserverEvent;
import org.mida.event.Status;
import org.mida.event.TaskEvent;
import org.mida.event.WorkflowEvent;
import org.mida.server.ingest.IngestPlan.Agent;
import org.mida.server.ingest.IngestPlan.Batch;
import org.mida.server.ingest.IngestPlan.EntityRow;
import org.mida.server.ingest.IngestPlan.Generation;
import org.mida.server.ingest.IngestPlan.InformedBy;
import org.mida.server.ingest.IngestPlan.Link;
import org.mida.server.ingest.IngestPlan.MoveGeneration;
import org.mida.server.ingest.IngestPlan.ObserverRow;
import org.mida.server.ingest.IngestPlan.Rebind;
import org.mida.server.ingest.IngestPlan.Refusal;
import org.mida.server.ingest.IngestPlan.Statement;
import org.mida.server.ingest.IngestPlan.Step;
import org.mida.server.ingest.IngestPlan.Stored;
import org.mida.server.ingest.IngestPlan.SubWorkflowLink;
import org.mida.server.ingest.IngestPlan.TaskRow;
import org.mida.server.ingest.IngestPlan.Usage;
import org.mida.server.ingest.IngestPlan.Use;
import org.mida.server.ingest.IngestPlan.VersionRow;
import org.mida.server.ingest.IngestPlan.WorkflowRow;

/** The ingest's decisions, made from events and a stored state held in plain values: no database. */
class IngestPlanTest {
    private static final EventCodec CODEC = EventCodec.shared();
    private static final double RECEIVED_AT = 1_714_564_900.5;
    private final NodeProperties properties = new NodeProperties(CODEC);

    // ------------------------------------------------------------------ events and stored state

    static Event event(String json) {
        try {
            return CODEC.decodeEvent(CODEC.parse(json));
        } catch (Exception e) {
            throw new AssertionError(json, e);
        }
    }

    static TaskEvent running(String id, double start, String... usedIds) {
        var used = new LinkedHashMap<String, Object>();
        used.put("lr", 0.01);
        for (int i = 0; i < usedIds.length; i++) used.put("in" + i, Map.of("@id", usedIds[i], "@type", "dataset"));
        return TaskEvent.builder(id)
                .workflowId("wf")
                .campaignId("camp")
                .status(Status.RUNNING)
                .startedAt(start)
                .hostname("node-1")
                .used(used)
                .build();
    }

    static TaskEvent finished(String id, double end, String generatedId) {
        return TaskEvent.builder(id)
                .status(Status.FINISHED)
                .endedAt(end)
                .generated(Map.of("loss", 0.25, "model", Map.of("@id", generatedId, "@type", "model")))
                .build();
    }

    private IngestPlan plan(Stored stored, Event... events) {
        return IngestPlan.of(Batch.of(Arrays.asList(events)), stored, properties, RECEIVED_AT);
    }

    private IngestPlan plan(Event... events) {
        return plan(Stored.NOTHING, events);
    }

    /** The state the store holds once {@code plan} ran over {@code before}, as the writer would read it. */
    private static Stored after(Stored before, IngestPlan plan) {
        var tasks = new HashMap<>(before.tasks());
        var workflows = new HashMap<>(before.workflows());
        var campaigns = new HashSet<>(before.campaigns());
        var entities = new HashMap<>(before.entities());
        var observers = new HashMap<>(before.observers());
        for (ObserverRow r : plan.observers()) observers.put(r.observerId(), r.at());
        for (Event e : plan.changed()) {
            if (e instanceof TaskEvent t) tasks.put(t.taskId(), Optional.of(t));
            else if (e instanceof WorkflowEvent w) workflows.put(w.workflowId(), Optional.of(w));
        }
        for (TaskRow r : plan.createTasks()) tasks.putIfAbsent(r.taskId(), Optional.empty());
        campaigns.addAll(plan.campaigns());
        for (EntityRow r : plan.createEntities()) entities.put(r.id(), r.props());
        for (EntityRow r : plan.updateEntities()) {
            var props = new HashMap<>(entities.get(r.id()));
            props.putAll(r.props());
            entities.put(r.id(), props);
        }
        var versions = new HashMap<String, List<Map<String, Object>>>();
        for (var e : before.versions().entrySet()) versions.put(e.getKey(), new ArrayList<>(e.getValue()));
        for (VersionRow r : plan.createVersions())
            versions.computeIfAbsent(r.entityId(), k -> new ArrayList<>()).add(r.props());
        for (VersionRow r : plan.updateVersions()) {
            List<Map<String, Object>> vs = versions.get(r.entityId());
            for (int i = 0; i < vs.size(); i++)
                if (vs.get(i).get("id").equals(r.id())) {
                    var props = new HashMap<>(vs.get(i));
                    props.putAll(r.props());
                    vs.set(i, props);
                }
        }
        // every stored task's usages, as the writer reads them from the relationships; the generations
        // of entities without versions, recorded on the entity node
        var usages = new HashMap<String, List<Usage>>();
        var generations = new HashMap<String, List<Generation>>();
        for (Optional<TaskEvent> doc : tasks.values()) {
            if (doc.isEmpty()) continue;
            TaskEvent t = doc.get();
            for (EntityRef r : t.generatedEntities()) {
                boolean versioned = versions.getOrDefault(r.id(), List.of()).stream()
                        .anyMatch(v -> !Boolean.TRUE.equals(v.get("origin")));
                if (!versioned)
                    generations
                            .computeIfAbsent(r.id(), k -> new ArrayList<>())
                            .add(new Generation(t.taskId(), r.role(), EntityVersions.generatedAt(t)));
            }
        }
        for (String origin : plan.deleteOrigins()) {
            String entity = origin.substring(0, origin.length() - "#origin".length());
            List<Map<String, Object>> vs = versions.get(entity);
            if (vs != null) vs.removeIf(v -> v.get("id").equals(origin));
        }
        for (Optional<TaskEvent> doc : tasks.values()) {
            if (doc.isEmpty()) continue;
            TaskEvent t = doc.get();
            for (EntityRef r : t.usedEntities())
                usages.computeIfAbsent(r.id(), k -> new ArrayList<>())
                        .add(new Usage(t.taskId(), r.role(), EntityVersions.explicit(r), EntityVersions.usedAt(t)));
        }
        return new Stored(tasks, workflows, campaigns, entities, observers, versions, usages, generations);
    }

    private static Stored storedTasks(TaskEvent... tasks) {
        var m = new HashMap<String, Optional<TaskEvent>>();
        for (TaskEvent t : tasks) m.put(t.taskId(), Optional.of(t));
        return new Stored(m, Map.of(), Set.of(), Map.of());
    }

    private static Stored withEntity(Stored s, String id, Map<String, Object> props) {
        var entities = new HashMap<>(s.entities());
        entities.put(id, props);
        return new Stored(s.tasks(), s.workflows(), s.campaigns(), entities);
    }

    private static Stored withCampaign(Stored s, String id) {
        var campaigns = new HashSet<>(s.campaigns());
        campaigns.add(id);
        return new Stored(s.tasks(), s.workflows(), campaigns, s.entities());
    }

    private static Stored withWorkflow(Stored s, WorkflowEvent w) {
        var workflows = new HashMap<>(s.workflows());
        workflows.put(w.workflowId(), Optional.of(w));
        return new Stored(s.tasks(), workflows, s.campaigns(), s.entities());
    }

    // ------------------------------------------------------------------ new tasks

    @Test
    void a_new_task_becomes_one_create_row_with_all_its_properties_and_links() {
        IngestPlan p = plan(running("t1", 10, "file:///in"));

        assertThat(p.createTasks()).singleElement().satisfies(r -> {
            assertThat(r.taskId()).isEqualTo("t1");
            assertThat(r.workflowId()).isEqualTo("wf");
            assertThat(r.props())
                    .containsEntry("task_id", "t1")
                    .containsEntry("status", "RUNNING")
                    .containsEntry("started_at", 10.0)
                    .containsEntry("used.lr", 0.01)
                    .containsEntry("used.in0", "file:///in")
                    .containsKey("_json");
            assertThat(r.used()).containsExactly(Use.of("file:///in", "in0"));
            assertThat(r.generated()).isEmpty();
            assertThat(r.agents()).containsExactly(new Link("host:node-1", "host"));
        });
        assertThat(p.updateTasks()).isEmpty();
        assertThat(p.agents()).containsExactly(new Agent("host:node-1", "host", "node-1"));
        assertThat(p.createEntities())
                .containsExactly(new EntityRow("file:///in", Map.of("id", "file:///in", "type", "dataset")));
        assertThat(p.campaigns()).containsExactly("camp");
        assertThat(p.tasksCreated()).isEqualTo(1);
        assertThat(p.changed()).extracting(Event::key).containsExactly("wf", "t1");
    }

    @Test
    void the_steps_run_campaigns_workflows_entities_agents_then_tasks_each_with_its_rows() {
        IngestPlan p = plan(running("t1", 10, "file:///in"));

        assertThat(p.steps())
                .extracting(Step::statement)
                .containsExactly(
                        Statement.MERGE_CAMPAIGNS,
                        Statement.CREATE_WORKFLOWS,
                        Statement.CREATE_ENTITIES,
                        Statement.MERGE_AGENTS,
                        Statement.CREATE_TASKS);
        assertThat(p.steps().get(0).parameters()).isEqualTo(Map.of("ids", List.of("camp")));
        @SuppressWarnings("unchecked")
        var taskRows = (List<Map<String, Object>>) p.steps().get(4).parameters().get("rows");
        assertThat(taskRows).singleElement().satisfies(row -> {
            assertThat(row).containsEntry("task_id", "t1").containsEntry("workflow_id", "wf");
            var use = new HashMap<String, Object>(Map.of("id", "file:///in", "role", "in0"));
            use.put("target", null);
            use.put("version", null);
            assertThat(row.get("used")).isEqualTo(List.of(use));
            assertThat(row.get("used_versions")).isEqualTo(List.of());
            assertThat(row.get("agents")).isEqualTo(List.of(Map.of("id", "host:node-1", "role", "host")));
        });
    }

    // ------------------------------------------------------------------ merging: order and duplicates

    /**
     * Issue 15 (16th session): the ids a batch's events name are found once (the read asks, then the known ids
     * after the commit), whether or not some of its tasks are stored; a stored document's references count too,
     * after the events'.
     */
    @Test
    void a_batch_finds_its_entity_ids_once_and_a_stored_document_still_adds_its_own() {
        Batch batch = Batch.of(
                List.of(running("a", 1.0, "d1", "d2"), finished("a", 2.0, "m1"), running("b", 1.5, "d2", "d3")));
        List<String> ids = batch.entityIds(Map.of());
        assertThat(ids).containsExactly("d1", "d2", "m1", "d3");
        assertThat(batch.entityIds(Map.of("a", Optional.empty()))).isSameAs(ids);
        assertThat(batch.entityIds(Map.of())).isSameAs(ids);
        TaskEvent storedB = TaskEvent.builder("b")
                .workflowId("wf")
                .generated(Map.of("out", Map.of("@id", "old-out")))
                .used(Map.of("x", Map.of("@id", "d0")))
                .build();
        TaskEvent storedA = TaskEvent.builder("a")
                .workflowId("wf")
                .used(Map.of("x", Map.of("@id", "d9")))
                .build();
        assertThat(batch.entityIds(Map.of("b", Optional.of(storedB), "a", Optional.of(storedA))))
                .containsExactly("d1", "d2", "m1", "d3", "d9", "d0", "old-out");
        assertThat(batch.entityIds(Map.of())).isSameAs(ids);
        // a batch whose first ask had stored documents: the events' ids were still found once
        Batch other = Batch.of(List.of(running("c", 1.0, "d1"), finished("c", 2.0, "m2")));
        assertThat(other.entityIds(Map.of("c", Optional.of(storedA)))).containsExactly("d1", "m2", "d9");
        assertThat(other.entityIds(Map.of())).containsExactly("d1", "m2").isSameAs(other.entityIds(Map.of()));
        assertThat(batch.campaignIds()).containsExactly("camp").isSameAs(batch.campaignIds());
    }

    @Test
    void finished_before_running_in_one_batch_merges_into_one_finished_task() {
        IngestPlan p = plan(finished("t1", 11, "file:///out"), running("t1", 10, "file:///in"));

        assertThat(p.createTasks()).singleElement().satisfies(r -> {
            assertThat(r.props())
                    .containsEntry("status", "FINISHED")
                    .containsEntry("started_at", 10.0)
                    .containsEntry("ended_at", 11.0)
                    .containsEntry("duration", 1.0)
                    .containsEntry("generated.model", "file:///out");
            assertThat(r.used()).containsExactly(Use.of("file:///in", "in0"));
            assertThat(r.generated()).containsExactly(Use.of("file:///out", "model"));
        });
        assertThat(p.tasksCreated()).isEqualTo(1);
    }

    @Test
    void running_after_finished_in_a_later_batch_adds_its_fields_and_leaves_the_status_finished() {
        TaskEvent stored = finished("t1", 11, "file:///out");
        IngestPlan p = plan(
                withEntity(storedTasks(stored), "file:///out", Map.of("id", "file:///out", "type", "model")),
                running("t1", 10, "file:///in"));

        assertThat(p.createTasks()).isEmpty();
        assertThat(p.updateTasks()).singleElement().satisfies(r -> {
            assertThat(r.props())
                    .containsEntry("started_at", 10.0)
                    .containsEntry("duration", 1.0)
                    .containsEntry("workflow_id", "wf")
                    .containsKey("_json")
                    .doesNotContainKeys("status", "ended_at", "generated.model");
            assertThat(r.used()).containsExactly(Use.of("file:///in", "in0"));
            assertThat(r.generated()).as("the stored task already has it").isEmpty();
            assertThat(r.relinkWorkflow()).as("the stored task had no workflow").isTrue();
        });
        assertThat(p.changed())
                .filteredOn(e -> e instanceof TaskEvent)
                .singleElement()
                .satisfies(e -> assertThat(((TaskEvent) e).status()).isEqualTo(Status.FINISHED));
        assertThat(p.tasksUpdated()).isEqualTo(1);
    }

    @Test
    void a_stale_running_event_after_finished_changes_nothing() {
        TaskEvent done = running("t1", 10).merge(finished("t1", 11, "file:///out"));
        Stored stored = after(Stored.NOTHING, plan(done));

        IngestPlan p = plan(stored, running("t1", 10));

        assertThat(p.isEmpty()).isTrue();
        assertThat(p.tasksUnchanged()).isEqualTo(1);
        assertThat(p.changed()).isEmpty();
    }

    @Test
    void duplicates_in_one_batch_become_one_row_and_one_link_each() {
        TaskEvent r = running("t1", 10, "file:///in");
        TaskEvent f = finished("t1", 11, "file:///out");
        IngestPlan p = plan(r, f, r, f, r);

        assertThat(p.createTasks()).singleElement().satisfies(row -> {
            assertThat(row.used()).containsExactly(Use.of("file:///in", "in0"));
            assertThat(row.generated()).containsExactly(Use.of("file:///out", "model"));
            assertThat(row.agents()).hasSize(1);
        });
        assertThat(p.createEntities()).extracting(EntityRow::id).containsExactlyInAnyOrder("file:///in", "file:///out");
        assertThat(p.createWorkflows()).hasSize(1);
        assertThat(p.tasksCreated()).isEqualTo(1);
    }

    @Test
    void a_replayed_batch_plans_no_rows_at_all() {
        Event[] batch = {
            event("{\"type\":\"workflow\",\"workflow_id\":\"wf\",\"campaign_id\":\"camp\",\"name\":\"train\"}"),
            running("t1", 10, "file:///in"),
            finished("t1", 11, "file:///out"),
            running("t2", 12, "file:///out"),
            TaskEvent.builder("t2")
                    .dependencies(List.of("t1", "t0"))
                    .user("alice")
                    .build(),
            event("{\"type\":\"workflow\",\"workflow_id\":\"sub\",\"parent_workflow_id\":\"wf\"}")
        };
        IngestPlan first = plan(batch);
        assertThat(first.isEmpty()).isFalse();

        IngestPlan replay = plan(after(Stored.NOTHING, first), batch);

        assertThat(replay.steps()).isEmpty();
        assertThat(replay.changed()).isEmpty();
        assertThat(replay.tasksCreated()).isZero();
        assertThat(replay.tasksUpdated()).isZero();
        assertThat(replay.tasksUnchanged()).isEqualTo(2);
        assertThat(replay.workflows()).isZero();
    }

    @Test
    void a_batch_of_events_split_over_two_batches_plans_what_the_second_adds() {
        IngestPlan first = plan(running("t1", 10, "file:///in"));
        IngestPlan second = plan(after(Stored.NOTHING, first), finished("t1", 11, "file:///out"));

        assertThat(second.createTasks()).isEmpty();
        assertThat(second.updateTasks()).singleElement().satisfies(r -> {
            assertThat(r.props())
                    .containsEntry("status", "FINISHED")
                    .containsEntry("ended_at", 11.0)
                    .containsEntry("duration", 1.0)
                    .containsEntry("generated.model", "file:///out")
                    .doesNotContainKeys("started_at", "used.lr", "task_id");
            assertThat(r.used()).isEmpty();
            assertThat(r.generated()).containsExactly(Use.of("file:///out", "model"));
            assertThat(r.agents()).isEmpty();
            assertThat(r.relinkWorkflow()).isFalse();
        });
        assertThat(second.createEntities()).extracting(EntityRow::id).containsExactly("file:///out");
        assertThat(second.campaigns()).isEmpty();
        assertThat(second.createWorkflows()).isEmpty();
        assertThat(second.updateWorkflows()).isEmpty();
    }

    // ------------------------------------------------------------------ existing tasks: deltas

    @Test
    void properties_a_merge_removes_map_to_null() {
        TaskEvent old = TaskEvent.builder("t1")
                .used(Map.of("optimizer", Map.of("name", "adam", "lr", 0.1)))
                .build();
        IngestPlan p = plan(
                storedTasks(old),
                TaskEvent.builder("t1").used(Map.of("optimizer", "sgd")).build());

        assertThat(p.updateTasks())
                .singleElement()
                .satisfies(r -> assertThat(r.props())
                        .containsEntry("used.optimizer", "sgd")
                        .containsEntry("used.optimizer.name", null)
                        .containsEntry("used.optimizer.lr", null)
                        .containsKey("_json")
                        .hasSize(4));
    }

    // ------------------------------------------------------------------ one workflow per task

    @Test
    void a_task_event_naming_another_workflow_than_the_stored_one_is_refused_and_the_rest_applied() {
        TaskEvent old = TaskEvent.builder("t1")
                .workflowId("wf-a")
                .status(Status.RUNNING)
                .build();
        TaskEvent moved = TaskEvent.builder("t1")
                .workflowId("wf-b")
                .campaignId("camp-b")
                .status(Status.FINISHED)
                .dependencies(List.of("t0"))
                .generated(Map.of("model", Map.of("@id", "model://m")))
                .build();
        TaskEvent other = TaskEvent.builder("t2").workflowId("wf-a").build();
        IngestPlan p = plan(withWorkflow(storedTasks(old), WorkflowEvent.of("wf-a", null, null)), moved, other);

        assertThat(p.refused()).singleElement().satisfies(r -> {
            assertThat(r.event()).isSameAs(moved);
            assertThat(r.reason()).startsWith("task \"t1\" belongs to workflow \"wf-a\"; this event names \"wf-b\"");
        });
        assertThat(p.updateTasks()).isEmpty();
        assertThat(p.tasksUnchanged()).isZero();
        assertThat(p.createTasks())
                .extracting(TaskRow::taskId)
                .as("no placeholder for t0")
                .containsExactly("t2");
        assertThat(p.createWorkflows()).as("wf-b is not created").isEmpty();
        assertThat(p.campaigns()).isEmpty();
        assertThat(p.createEntities()).isEmpty();
        assertThat(p.informedBy()).isEmpty();
        assertThat(p.changed()).extracting(Event::key).containsExactly("t2");
    }

    @Test
    void events_without_a_workflow_for_a_stored_task_are_merged_and_those_naming_its_own_too() {
        TaskEvent old = TaskEvent.builder("t1")
                .workflowId("wf-a")
                .status(Status.RUNNING)
                .build();
        IngestPlan p = plan(
                withWorkflow(storedTasks(old), WorkflowEvent.of("wf-a", null, null)),
                TaskEvent.builder("t1").status(Status.FINISHED).endedAt(20.0).build(),
                TaskEvent.builder("t1").workflowId("wf-a").hostname("node-2").build());

        assertThat(p.refused()).isEmpty();
        assertThat(p.updateTasks()).singleElement().satisfies(r -> {
            assertThat(r.relinkWorkflow()).isFalse();
            assertThat(r.props())
                    .containsEntry("status", "FINISHED")
                    .containsEntry("hostname", "node-2")
                    .doesNotContainKey("workflow_id");
        });
    }

    @Test
    void in_one_batch_the_first_workflow_named_wins_and_later_events_naming_another_are_refused() {
        TaskEvent first = TaskEvent.builder("t1").status(Status.RUNNING).build();
        TaskEvent a = TaskEvent.builder("t1").workflowId("wf-a").build();
        TaskEvent b =
                TaskEvent.builder("t1").workflowId("wf-b").status(Status.ERROR).build();
        TaskEvent last = TaskEvent.builder("t1").status(Status.FINISHED).build();

        IngestPlan p = plan(first, a, b, last);

        assertThat(p.refused()).extracting(Refusal::event).containsExactly(b);
        assertThat(p.refused().get(0).reason()).contains("belongs to workflow \"wf-a\"", "names \"wf-b\"");
        assertThat(p.createTasks()).singleElement().satisfies(r -> {
            assertThat(r.workflowId()).isEqualTo("wf-a");
            assertThat(r.props()).containsEntry("status", "FINISHED");
        });
        assertThat(p.createWorkflows()).extracting(WorkflowRow::workflowId).containsExactly("wf-a");
        // the stored result refuses the same event again when it is replayed
        IngestPlan replay = plan(after(Stored.NOTHING, p), first, a, b, last);
        assertThat(replay.isEmpty()).isTrue();
        assertThat(replay.refused()).extracting(Refusal::event).containsExactly(b);
    }

    @Test
    void the_stored_workflow_decides_even_against_the_first_one_the_batch_names() {
        TaskEvent old = TaskEvent.builder("t1").workflowId("wf-b").build();
        TaskEvent a = TaskEvent.builder("t1").workflowId("wf-a").build();
        TaskEvent b = TaskEvent.builder("t1")
                .workflowId("wf-b")
                .status(Status.FINISHED)
                .build();

        IngestPlan p = plan(withWorkflow(storedTasks(old), WorkflowEvent.of("wf-b", null, null)), a, b);

        assertThat(p.refused()).extracting(Refusal::event).containsExactly(a);
        assertThat(p.updateTasks())
                .singleElement()
                .satisfies(r -> assertThat(r.props()).containsEntry("status", "FINISHED"));
        assertThat(p.createWorkflows()).isEmpty();
    }

    @Test
    void a_stored_task_without_a_workflow_takes_the_first_one_named_and_is_relinked() {
        TaskEvent old = TaskEvent.builder("t1").status(Status.RUNNING).build();
        IngestPlan p = plan(
                storedTasks(old), TaskEvent.builder("t1").workflowId("wf-b").build());

        assertThat(p.refused()).isEmpty();
        assertThat(p.updateTasks()).singleElement().satisfies(r -> {
            assertThat(r.relinkWorkflow()).isTrue();
            assertThat(r.workflowId()).isEqualTo("wf-b");
            assertThat(r.props()).containsEntry("workflow_id", "wf-b");
        });
        assertThat(p.createWorkflows()).extracting(WorkflowRow::workflowId).containsExactly("wf-b");
    }

    @Test
    void only_entity_references_new_to_the_task_are_linked() {
        TaskEvent old = running("t1", 10, "file:///a");
        Stored stored = withEntity(storedTasks(old), "file:///a", Map.of("id", "file:///a", "type", "dataset"));

        IngestPlan p = plan(stored, running("t1", 10, "file:///a", "file:///b"));

        assertThat(p.updateTasks()).singleElement().satisfies(r -> {
            assertThat(r.used()).containsExactly(Use.of("file:///b", "in1"));
            assertThat(r.agents()).isEmpty();
        });
        assertThat(p.createEntities())
                .containsExactly(new EntityRow("file:///b", Map.of("id", "file:///b", "type", "dataset")));
        assertThat(p.updateEntities()).isEmpty();
    }

    @Test
    void a_stored_entity_gets_only_the_properties_that_change() {
        TaskEvent t = TaskEvent.builder("t1")
                .used(Map.of("data", Map.of("@id", "file:///a", "@type", "dataset", "rows", 10, "id", "x")))
                .build();
        Stored stored =
                withEntity(Stored.NOTHING, "file:///a", Map.of("id", "file:///a", "type", "dataset", "rows", 9L));

        IngestPlan p = plan(stored, t);

        assertThat(p.createEntities()).isEmpty();
        assertThat(p.updateEntities()).containsExactly(new EntityRow("file:///a", Map.of("rows", 10L, "attr.id", "x")));
    }

    @Test
    void user_and_host_agents_are_linked_once_and_again_only_when_they_change() {
        TaskEvent old = TaskEvent.builder("t1").user("alice").hostname("node-1").build();
        IngestPlan p = plan(
                storedTasks(old),
                TaskEvent.builder("t1").user("alice").hostname("node-2").build());

        assertThat(p.updateTasks())
                .singleElement()
                .satisfies(r -> assertThat(r.agents()).containsExactly(new Link("host:node-2", "host")));
        assertThat(p.agents()).containsExactly(new Agent("host:node-2", "host", "node-2"));
    }

    // ------------------------------------------------------------------ dependencies

    @Test
    void a_dependency_not_stored_becomes_a_placeholder_holding_only_its_id() {
        IngestPlan p = plan(TaskEvent.builder("t2").dependencies(List.of("t1")).build());

        assertThat(p.createTasks()).extracting(TaskRow::taskId).containsExactly("t2", "t1");
        assertThat(p.createTasks().get(1)).isEqualTo(TaskRow.placeholder("t1"));
        assertThat(p.createTasks().get(1).props()).isEqualTo(Map.of("task_id", "t1"));
        assertThat(p.informedBy()).containsExactly(new InformedBy("t2", "t1"));
        assertThat(p.tasksCreated()).as("placeholders are not counted").isEqualTo(1);
        assertThat(p.changed()).extracting(Event::key).containsExactly("t2");
    }

    @Test
    void a_dependency_stored_or_in_the_batch_gets_no_placeholder_and_only_new_dependencies_are_linked() {
        TaskEvent old = TaskEvent.builder("t3").dependencies(List.of("t1")).build();
        IngestPlan p = plan(
                storedTasks(old, TaskEvent.builder("t1").build()),
                TaskEvent.builder("t3").dependencies(List.of("t1", "t2")).build(),
                TaskEvent.builder("t2").build());

        assertThat(p.createTasks()).extracting(TaskRow::taskId).containsExactly("t2");
        assertThat(p.informedBy()).containsExactly(new InformedBy("t3", "t2"));
    }

    @Test
    void a_placeholder_whose_events_arrive_is_updated_with_all_its_properties_not_created() {
        var tasks = new HashMap<String, Optional<TaskEvent>>();
        tasks.put("t1", Optional.empty());
        Stored stored = new Stored(tasks, Map.of(), Set.of("camp"), Map.of());

        IngestPlan p = plan(stored, running("t1", 10));

        assertThat(p.createTasks()).isEmpty();
        assertThat(p.updateTasks()).singleElement().satisfies(r -> {
            assertThat(r.props())
                    .containsEntry("status", "RUNNING")
                    .containsEntry("workflow_id", "wf")
                    .doesNotContainKey("task_id");
            assertThat(r.relinkWorkflow()).isTrue();
            assertThat(r.agents()).containsExactly(new Link("host:node-1", "host"));
        });
        assertThat(p.tasksCreated()).isZero();
        assertThat(p.tasksUpdated()).isEqualTo(1);
    }

    // ------------------------------------------------------------------ workflows and campaigns

    @Test
    void a_workflow_named_only_by_tasks_is_created_as_a_stub_in_the_first_campaign_a_task_gives() {
        IngestPlan p = plan(
                TaskEvent.builder("t1").workflowId("wf-b").build(),
                TaskEvent.builder("t2").workflowId("wf-b").campaignId("camp").build(),
                TaskEvent.builder("t3").workflowId("wf-b").campaignId("other").build());

        assertThat(p.createWorkflows()).singleElement().satisfies(r -> {
            assertThat(r.workflowId()).isEqualTo("wf-b");
            assertThat(r.campaignId()).isEqualTo("camp");
            assertThat(r.props())
                    .containsEntry("workflow_id", "wf-b")
                    .containsEntry("campaign_id", "camp")
                    .containsKey("_json");
        });
        assertThat(p.campaigns()).containsExactly("camp", "other");
    }

    @Test
    void a_sub_workflow_links_to_its_parent_which_is_created_as_a_stub() {
        IngestPlan p = plan(event("{\"type\":\"workflow\",\"workflow_id\":\"sub\",\"parent_workflow_id\":\"top\"}"));

        assertThat(p.createWorkflows()).extracting(WorkflowRow::workflowId).containsExactly("sub", "top");
        assertThat(p.subWorkflowLinks()).containsExactly(new SubWorkflowLink("sub", "top"));
        assertThat(p.workflows()).isEqualTo(2);
    }

    @Test
    void a_stored_workflow_is_updated_with_its_changes_and_relinked_when_its_campaign_changes() {
        Stored stored = withCampaign(withWorkflow(Stored.NOTHING, WorkflowEvent.of("wf", "camp-a", "train")), "camp-a");

        IngestPlan p = plan(stored, event("{\"type\":\"workflow\",\"workflow_id\":\"wf\",\"campaign_id\":\"camp-b\"}"));

        assertThat(p.createWorkflows()).isEmpty();
        assertThat(p.updateWorkflows()).singleElement().satisfies(r -> {
            assertThat(r.relinkCampaign()).isTrue();
            assertThat(r.campaignId()).isEqualTo("camp-b");
            assertThat(r.props()).containsEntry("campaign_id", "camp-b").doesNotContainKey("name");
        });
        assertThat(p.campaigns()).containsExactly("camp-b");
    }

    @Test
    void a_stored_workflow_a_task_names_again_is_not_rewritten_and_its_campaign_not_merged_again() {
        Stored stored = withCampaign(withWorkflow(Stored.NOTHING, WorkflowEvent.of("wf", "camp", null)), "camp");

        IngestPlan p = plan(stored, TaskEvent.builder("t1").workflowId("wf").build());

        assertThat(p.createWorkflows()).isEmpty();
        assertThat(p.updateWorkflows()).isEmpty();
        assertThat(p.campaigns()).isEmpty();
        assertThat(p.changed()).extracting(Event::key).containsExactly("t1");
    }

    // ------------------------------------------------------------------ observer status reports

    static ObserverEvent report(String id, double at, String state, long emitted) {
        return (ObserverEvent) event("{\"type\":\"observer\",\"observer_id\":\"" + id + "\",\"at\":" + at
                + ",\"state\":\"" + state + "\",\"kind\":\"mlflow\",\"interval\":10,\"hostname\":\"node17\","
                + "\"counters\":{\"emitted\":" + emitted + ",\"rejected\":1},\"x_site\":\"lab-3\"}");
    }

    @Test
    void a_first_report_becomes_one_row_with_its_fields_counters_and_the_time_it_was_received() {
        IngestPlan p = plan(report("node17/agent/mlflow", 100, "running", 120));

        assertThat(p.isEmpty()).isFalse();
        assertThat(p.observers()).singleElement().satisfies(r -> {
            assertThat(r.observerId()).isEqualTo("node17/agent/mlflow");
            assertThat(r.at()).isEqualTo(100.0);
            assertThat(r.props())
                    .containsEntry("observer_id", "node17/agent/mlflow")
                    .containsEntry("at", 100.0)
                    .containsEntry("received_at", RECEIVED_AT)
                    .containsEntry("state", "running")
                    .containsEntry("kind", "mlflow")
                    .containsEntry("interval", 10.0)
                    .containsEntry("hostname", "node17")
                    .containsEntry("counters.emitted", 120L)
                    .containsEntry("counters.rejected", 1L)
                    .containsKey("_json")
                    .doesNotContainKey("x_site");
            assertThat((String) r.props().get("_json")).contains("\"x_site\":\"lab-3\"");
        });
        assertThat(p.steps()).extracting(Step::statement).containsExactly(Statement.UPSERT_OBSERVERS);
        assertThat(p.changed()).isEmpty();
        assertThat(p.createTasks()).isEmpty();
    }

    @Test
    void several_reports_of_one_observer_in_a_batch_keep_the_latest_whatever_their_order() {
        ObserverEvent early = report("o1", 100, "running", 5);
        ObserverEvent late = report("o1", 130, "stopped", 9);
        ObserverEvent mid = report("o1", 120, "retrying", 7);

        for (List<Event> order : List.<List<Event>>of(List.of(early, late, mid), List.of(late, mid, early))) {
            IngestPlan p = IngestPlan.of(Batch.of(order), Stored.NOTHING, properties, RECEIVED_AT);
            assertThat(p.observers()).singleElement().satisfies(r -> {
                assertThat(r.at()).isEqualTo(130.0);
                assertThat(r.props()).containsEntry("state", "stopped").containsEntry("counters.emitted", 9L);
            });
        }
    }

    @Test
    void an_older_or_replayed_report_never_replaces_a_newer_stored_one() {
        IngestPlan first = plan(report("o1", 200, "running", 50), report("o2", 10, "running", 1));
        Stored stored = after(Stored.NOTHING, first);

        assertThat(plan(stored, report("o1", 150, "starting", 3)).isEmpty())
                .as("older")
                .isTrue();
        assertThat(plan(stored, report("o1", 200, "running", 50), report("o2", 10, "running", 1))
                        .isEmpty())
                .as("replayed")
                .isTrue();
        IngestPlan newer = plan(stored, report("o1", 150, "starting", 3), report("o1", 210, "running", 60));
        assertThat(newer.observers())
                .singleElement()
                .satisfies(r -> assertThat(r.at()).isEqualTo(210.0));
    }

    @Test
    void observer_reports_and_tasks_of_one_batch_are_planned_side_by_side() {
        IngestPlan p = plan(running("t1", 10), report("o1", 100, "running", 1));

        assertThat(p.steps()).extracting(Step::statement).endsWith(Statement.CREATE_TASKS, Statement.UPSERT_OBSERVERS);
        assertThat(Batch.of(List.of(running("t1", 10), report("o1", 100, "running", 1), report("o2", 1, "running", 1)))
                        .observerIds())
                .containsExactly("o1", "o2");
    }

    @Test
    void a_batch_of_nothing_but_unknown_kinds_plans_nothing() {
        assertThat(plan().isEmpty()).isTrue();
        assertThat(Batch.of(new ArrayList<>()).isEmpty()).isTrue();
    }

    @Test
    void the_ids_to_read_are_the_batch_tasks_and_their_dependencies_workflows_campaigns_and_entities() {
        Batch b = Batch.of(List.of(
                running("t1", 10, "file:///a"),
                TaskEvent.builder("t2").dependencies(List.of("t1", "t0")).build(),
                finished("t1", 11, "file:///b"),
                event("{\"type\":\"workflow\",\"workflow_id\":\"sub\",\"parent_workflow_id\":\"top\","
                        + "\"campaign_id\":\"c2\"}")));

        assertThat(b.taskIds()).containsExactly("t1", "t2", "t0");
        assertThat(b.workflowIds()).containsExactly("sub", "wf", "top");
        assertThat(b.campaignIds()).containsExactly("camp", "c2");
        assertThat(b.entityIds(Map.of())).containsExactly("file:///a", "file:///b");
    }

    // ------------------------------------------------------------------ entity versions

    static TaskEvent reader(String id, double start, String entity) {
        return TaskEvent.builder(id)
                .workflowId("wf")
                .status(Status.RUNNING)
                .startedAt(start)
                .used(Map.of("data", Map.of("@id", entity)))
                .build();
    }

    static TaskEvent writer(String id, Double start, Double end, String entity, int rows) {
        var b = TaskEvent.builder(id).workflowId("wf").generated(Map.of("data", Map.of("@id", entity, "rows", rows)));
        if (start != null) b.startedAt(start);
        if (end != null) b.status(Status.FINISHED).endedAt(end);
        return b.build();
    }

    private static TaskRow row(List<TaskRow> rows, String id) {
        return rows.stream().filter(t -> t.taskId().equals(id)).findFirst().orElseThrow();
    }

    @Test
    void a_single_generation_stays_on_the_entity_and_later_readers_use_the_entity() {
        IngestPlan p = plan(writer("w1", 8.0, 10.0, "file:///d", 100), reader("r1", 15, "file:///d"));

        assertThat(p.createVersions()).as("one generation: no version node").isEmpty();
        assertThat(p.createEntities())
                .singleElement()
                .satisfies(
                        e -> assertThat(e.props()).containsEntry("rows", 100L).doesNotContainKey("version"));
        assertThat(row(p.createTasks(), "r1").used()).containsExactly(Use.of("file:///d", "data"));
        assertThat(row(p.createTasks(), "w1").generated()).containsExactly(Use.of("file:///d", "data"));
    }

    @Test
    void a_usage_before_the_one_generation_binds_to_the_origin_node_whatever_the_order() {
        // the reader arrives first (the data looks raw), then the generation it preceded
        Stored s1 = after(Stored.NOTHING, plan(reader("r0", 5, "file:///d")));
        IngestPlan late = plan(s1, writer("w1", 8.0, 10.0, "file:///d", 100));

        assertThat(late.createVersions())
                .singleElement()
                .satisfies(v -> assertThat(v.props())
                        .containsEntry("id", "file:///d#origin")
                        .containsEntry("origin", true));
        assertThat(late.rebinds())
                .containsExactly(
                        new Rebind("r0", "file:///d", List.of(new Use("file:///d", "data", "file:///d#origin", null))));
        assertThat(late.updateEntities()).containsExactly(new EntityRow("file:///d", Map.of("rows", 100L)));
        Stored s2 = after(s1, late);
        assertThat(plan(s2, writer("w1", 8.0, 10.0, "file:///d", 100), reader("r0", 5, "file:///d"))
                        .steps())
                .as("a replay plans nothing")
                .isEmpty();

        // the other order: the same links
        IngestPlan together = plan(writer("w1", 8.0, 10.0, "file:///d", 100), reader("r0", 5, "file:///d"));
        assertThat(row(together.createTasks(), "r0").used())
                .containsExactly(new Use("file:///d", "data", "file:///d#origin", null));
        assertThat(together.createVersions()).extracting(VersionRow::id).containsExactly("file:///d#origin");
    }

    @Test
    void a_later_end_moves_the_usages_the_generation_no_longer_precedes_to_the_origin() {
        Stored s1 = after(Stored.NOTHING, plan(writer("w1", 8.0, null, "file:///d", 1), reader("r1", 15, "file:///d")));
        IngestPlan finished = plan(s1, writer("w1", null, 20.0, "file:///d", 1));

        assertThat(finished.rebinds())
                .as("w1 ended after r1 started: r1 read the data from before")
                .containsExactly(
                        new Rebind("r1", "file:///d", List.of(new Use("file:///d", "data", "file:///d#origin", null))));
        assertThat(finished.createVersions()).extracting(VersionRow::id).containsExactly("file:///d#origin");
    }

    @Test
    void a_reader_whose_start_arrives_later_leaves_the_origin_which_is_then_deleted() {
        Stored s1 = after(Stored.NOTHING, plan(writer("w1", 8.0, 10.0, "file:///d", 1)));
        TaskEvent submitted = TaskEvent.builder("r1")
                .workflowId("wf")
                .submittedAt(5.0)
                .used(Map.of("data", Map.of("@id", "file:///d")))
                .build();
        IngestPlan first = plan(s1, submitted);
        assertThat(row(first.createTasks(), "r1").used())
                .containsExactly(new Use("file:///d", "data", "file:///d#origin", null));
        Stored s2 = after(s1, first);
        IngestPlan started = plan(s2, TaskEvent.builder("r1").startedAt(12.0).build());

        assertThat(started.rebinds())
                .containsExactly(new Rebind("r1", "file:///d", List.of(Use.of("file:///d", "data"))));
        assertThat(started.deleteOrigins()).containsExactly("file:///d#origin");
    }

    @Test
    void a_second_generation_makes_the_entity_versioned_moving_the_first_one_onto_its_version() {
        Stored s1 = after(Stored.NOTHING, plan(writer("w1", 8.0, 10.0, "file:///d", 1), reader("r1", 15, "file:///d")));
        IngestPlan second = plan(s1, writer("w2", 18.0, 20.0, "file:///d", 2));

        assertThat(second.createVersions())
                .extracting(VersionRow::id)
                .containsExactlyInAnyOrder("file:///d#version=w1", "file:///d#version=w2");
        assertThat(second.moveGenerations())
                .containsExactly(new MoveGeneration("file:///d", "w1", "file:///d#version=w1"));
        assertThat(row(second.createTasks(), "w2").generated())
                .containsExactly(new Use("file:///d", "data", "file:///d#version=w2", null));
        assertThat(second.rebinds())
                .containsExactly(new Rebind(
                        "r1", "file:///d", List.of(new Use("file:///d", "data", "file:///d#version=w1", null))));
        assertThat(second.updateEntities())
                .as("the latest version's attributes")
                .containsExactly(new EntityRow("file:///d", Map.of("rows", 2L)));
    }

    // ------------------------------------------------------------------ rows passed in-process as built

    @Test
    void every_step_passes_its_rows_ready_typed_as_the_driver_would_send_them() {
        // ints, floats, big integers, mixed number lists, nested maps, tags, dependencies, an observer, a
        // sub-workflow, versions, an update of a stored task: every kind of row the plan makes
        var used = new LinkedHashMap<String, Object>();
        used.put("batch", 32);
        used.put("ratio", 0.5f);
        used.put("big", new java.math.BigInteger("12345678901234567890"));
        used.put("mixed", List.of(1, 2.5, 3L));
        used.put("nested", Map.of("depth", Map.of("n", (short) 3)));
        used.put("data", Map.of("@id", "file:///d", "@type", "dataset", "rows", 7));
        TaskEvent t1 = TaskEvent.builder("t1")
                .workflowId("sub")
                .campaignId("camp")
                .status(Status.RUNNING)
                .startedAt(10.0)
                .hostname("node-1")
                .user("alice")
                .tags(List.of("a", "b"))
                .dependencies(List.of("t0"))
                .used(used)
                .build();
        Event sub = event("{\"type\":\"workflow\",\"workflow_id\":\"sub\",\"campaign_id\":\"camp\","
                + "\"parent_workflow_id\":\"wf\",\"machine_info\":{\"cpus\":8}}");
        Event report = ObserverEvent.of("obs", 12.0, Map.of("emitted", 3, "dropped", 0L));
        Stored s1 = after(Stored.NOTHING, plan(writer("w1", 8.0, 10.0, "file:///v", 1), reader("r1", 15, "file:///v")));
        IngestPlan first = plan(s1, t1, sub, report, writer("w2", 18.0, 20.0, "file:///v", 2));
        IngestPlan update = plan(after(s1, first), finished("t1", 30.0, "file:///out"));

        var statements = new java.util.HashSet<Statement>();
        for (IngestPlan p : List.of(first, update))
            for (Step step : p.steps()) {
                statements.add(step.statement());
                assertThat(step.parameters()).as(step.statement().name()).isInstanceOf(IngestTransport.Ready.class);
                assertThat(IngestTransport.inProcess(step.parameters()))
                        .as("passed as built")
                        .isSameAs(step.parameters());
                assertSameTypes(
                        step.statement().name(), IngestTransport.javaValue(step.parameters()), step.parameters());
            }
        assertThat(statements)
                .contains(
                        Statement.CREATE_TASKS,
                        Statement.UPDATE_TASKS,
                        Statement.CREATE_VERSIONS,
                        Statement.CREATE_ENTITIES,
                        Statement.UPSERT_OBSERVERS,
                        Statement.LINK_SUB_WORKFLOWS);
        // any other map is still converted (and copied)
        Map<String, Object> plain = new HashMap<>(Map.of("rows", List.of(Map.of("n", 1))));
        assertThat(IngestTransport.inProcess(plain))
                .isNotSameAs(plain)
                .isEqualTo(Map.of("rows", List.of(Map.of("n", 1L))));
        System.setProperty(IngestTransport.PARAMS_PROPERTY, "convert");
        try {
            Map<String, Object> ready = first.steps().get(0).parameters();
            assertThat(IngestTransport.inProcess(ready)).isNotSameAs(ready).isEqualTo(ready);
        } finally {
            System.clearProperty(IngestTransport.PARAMS_PROPERTY);
        }
    }

    /** {@code converted} and {@code built} hold equal values of the same classes, all the way down. */
    private static void assertSameTypes(String at, Object converted, Object built) {
        if (converted instanceof Map<?, ?> a && built instanceof Map<?, ?> b) {
            assertThat(b.keySet()).as(at).isEqualTo(a.keySet());
            for (Object k : a.keySet()) assertSameTypes(at + "." + k, a.get(k), b.get(k));
        } else if (converted instanceof List<?> a && built instanceof List<?> b) {
            assertThat(b).as(at).hasSameSizeAs(a);
            for (int i = 0; i < a.size(); i++) assertSameTypes(at + "[" + i + "]", a.get(i), b.get(i));
        } else {
            assertThat(built).as(at).isEqualTo(converted);
            if (converted != null) assertThat(built.getClass()).as(at).isEqualTo(converted.getClass());
        }
    }
}
