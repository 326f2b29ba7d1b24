package org.mida.server.browse;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.mida.cypher.Cypher;
import org.mida.event.EventCodec;
import org.neo4j.driver.Driver;
import org.neo4j.driver.TransactionCallback;
import org.neo4j.driver.TransactionContext;
import org.neo4j.driver.Value;

/**
 * Read side for listings and single items: campaigns, workflows, tasks, each in one read transaction.
 * Absence is an empty Optional. Public for {@link #workflowExists}, which the analyses use; {@link
 * BrowseRoutes} serves the rest.
 *
 * <pre>{@code
 * var browser = new GraphBrowser(driver, codec);
 * if (!browser.workflowExists("wf/1")) throw ApiException.notFound("no workflow 'wf/1'");
 * }</pre>
 */
final class GraphBrowser {
    private static final String CAMPAIGNS = Cypher.load("browse/campaigns");
    private static final String WORKFLOWS = Cypher.load("browse/workflows");
    private static final String WORKFLOW = Cypher.load("browse/workflow");
    private static final String WORKFLOW_TASK_STATS = Cypher.load("browse/workflow-task-stats");
    private static final String WORKFLOW_TASKS = Cypher.load("browse/workflow-tasks");
    private static final String TASK = Cypher.load("browse/task");
    private static final String ENTITY = Cypher.load("browse/entity");

    /** Tasks listed per usage or generation list of an entity answer. */
    static final int ENTITY_LIST_CAP = 500;

    private final Driver driver;
    private final EventCodec codec;

    public GraphBrowser(Driver driver, EventCodec codec) {
        this.driver = driver;
        this.codec = codec;
    }

    List<Campaigns.Campaign> campaigns() {
        return read(tx -> tx.run(CAMPAIGNS).list(Campaigns.Campaign::of));
    }

    List<WorkflowSummary> workflows(String campaignId, int limit, int offset) {
        var params = new HashMap<String, Object>();
        params.put("campaign_id", campaignId);
        params.put("limit", limit);
        params.put("offset", offset);
        return read(tx -> tx.run(WORKFLOWS, params)
                .list(r -> new WorkflowSummary(
                        workflowDocument(r.get("json"), r.get("workflow_id").asString()),
                        r.get("task_count").asLong())));
    }

    /** The workflow's document plus task counts per status and the tasks' time span. */
    Optional<WorkflowDetail> workflow(String id) {
        return read(tx -> {
            var found = tx.run(WORKFLOW, Map.of("id", id)).list();
            if (found.isEmpty()) return Optional.empty();
            var w = found.get(0);
            List<WorkflowDetail.StatusStats> stats =
                    tx.run(WORKFLOW_TASK_STATS, Map.of("id", id)).list(WorkflowDetail.StatusStats::of);
            return Optional.of(WorkflowDetail.of(
                    workflowDocument(w.get("json"), id), w.get("child_count").asLong(), stats));
        });
    }

    /** One page of a workflow's tasks (of one status when {@code status} is not null); empty when no such workflow. */
    Optional<WorkflowTasks> workflowTasks(String workflowId, String status, int limit, int offset) {
        var params = new HashMap<String, Object>();
        params.put("id", workflowId);
        params.put("status", status);
        params.put("limit", limit);
        params.put("offset", offset);
        return read(tx -> {
            if (!exists(tx, workflowId)) return Optional.empty();
            List<TaskDocument> tasks = tx.run(WORKFLOW_TASKS, params).list(r -> {
                Map<String, Object> doc = document(r.get("json"));
                return doc == null ? TaskDocument.idOnly(r.get("task_id").asString()) : TaskDocument.of(doc);
            });
            return Optional.of(new WorkflowTasks(workflowId, tasks, limit, offset));
        });
    }

    /**
     * A task id that is known: its document, or null when it is known only as another task's dependency
     * (its own events have not arrived).
     */
    record StoredTask(String taskId, TaskDocument document) {
        boolean placeholder() {
            return document == null;
        }
    }

    /** The task as sent, merged, in one read; empty when no task has this id. */
    Optional<StoredTask> task(String id) {
        return read(tx -> tx.run(TASK, Map.of("id", id)).list().stream()
                .findFirst()
                .map(r -> {
                    Map<String, Object> doc = document(r.get("json"));
                    return new StoredTask(id, doc == null ? null : TaskDocument.of(doc));
                }));
    }

    /** An entity with its versions, found by its id or a version's; empty when neither exists. */
    Optional<EntityDetail> entity(String id) {
        return read(tx -> tx.run(ENTITY, Map.of("id", id, "cap", ENTITY_LIST_CAP)).list().stream()
                .findFirst()
                .map(r -> EntityDetail.of(r, id)));
    }

    /** Whether a workflow with this id exists (cheap: no task statistics). */
    public boolean workflowExists(String id) {
        return read(tx -> exists(tx, id));
    }

    private static boolean exists(TransactionContext tx, String workflowId) {
        return !tx.run(WORKFLOW, Map.of("id", workflowId)).list().isEmpty();
    }

    /** A workflow's stored document, or only its id when none was stored (a placeholder). */
    private Map<String, Object> workflowDocument(Value json, String workflowId) {
        Map<String, Object> doc = document(json);
        return doc == null ? Map.of("workflow_id", workflowId) : doc;
    }

    /** A stored document (less its {@code type}), or null when there is none. */
    @SuppressWarnings("unchecked")
    private Map<String, Object> document(Value json) {
        if (json == null || json.isNull()) return null;
        try {
            Map<String, Object> m = (Map<String, Object>) codec.parse(json.asString());
            m.remove("type");
            return m;
        } catch (Exception e) {
            throw new IllegalStateException("stored document is unreadable", e);
        }
    }

    private <T> T read(TransactionCallback<T> work) {
        try (var session = driver.session()) {
            return session.executeRead(work);
        }
    }
}
