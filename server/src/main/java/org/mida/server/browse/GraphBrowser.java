package org.mida.server.browse;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.mida.cypher.Cypher;
import org.mida.event.EventCodec;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Record;
import org.neo4j.driver.Value;

/** Read side for listings and single items: campaigns, workflows, tasks. Absence is an empty Optional. */
public final class GraphBrowser {
    private static final String CAMPAIGNS = Cypher.load("browse/campaigns");
    private static final String WORKFLOWS = Cypher.load("browse/workflows");
    private static final String WORKFLOW = Cypher.load("browse/workflow");
    private static final String WORKFLOW_TASK_STATS = Cypher.load("browse/workflow-task-stats");
    private static final String WORKFLOW_TASKS = Cypher.load("browse/workflow-tasks");
    private static final String TASK = Cypher.load("browse/task");

    private final Driver driver;
    private final EventCodec codec;

    public GraphBrowser(Driver driver, EventCodec codec) {
        this.driver = driver;
        this.codec = codec;
    }

    public List<Map<String, Object>> campaigns() {
        return read(CAMPAIGNS, Map.of(), r -> {
            var m = new LinkedHashMap<String, Object>();
            m.put("campaign_id", r.get("campaign_id").asString());
            m.put("workflow_count", r.get("workflow_count").asLong());
            m.put("task_count", r.get("task_count").asLong());
            return m;
        });
    }

    public List<Map<String, Object>> workflows(String campaignId, int limit, int offset) {
        var params = new LinkedHashMap<String, Object>();
        params.put("campaign_id", campaignId);
        params.put("limit", limit);
        params.put("offset", offset);
        return read(WORKFLOWS, params, r -> {
            Map<String, Object> m = doc(r.get("json"));
            if (m == null)
                m = new LinkedHashMap<>(
                        Map.of("workflow_id", r.get("workflow_id").asString()));
            m.put("task_count", r.get("task_count").asLong());
            return m;
        });
    }

    /** The workflow's document plus task counts per status and the tasks' time span. */
    public Optional<Map<String, Object>> workflow(String id) {
        List<Map<String, Object>> found = read(WORKFLOW, Map.of("id", id), r -> {
            Map<String, Object> m = doc(r.get("json"));
            if (m == null) m = new LinkedHashMap<>(Map.of("workflow_id", id));
            m.put("sub_workflow_count", r.get("child_count").asLong());
            return m;
        });
        if (found.isEmpty()) return Optional.empty();
        Map<String, Object> w = found.get(0);
        var counts = new TreeMap<String, Long>();
        long total = 0;
        Double first = null, last = null;
        for (Map<String, Object> s : read(WORKFLOW_TASK_STATS, Map.of("id", id), r -> {
            var m = new LinkedHashMap<String, Object>();
            m.put(
                    "status",
                    r.get("status").isNull() ? "UNKNOWN" : r.get("status").asString());
            m.put("n", r.get("n").asLong());
            m.put(
                    "first",
                    r.get("first_started").isNull()
                            ? null
                            : r.get("first_started").asDouble());
            m.put(
                    "last",
                    r.get("last_ended").isNull() ? null : r.get("last_ended").asDouble());
            return m;
        })) {
            long n = (Long) s.get("n");
            counts.merge((String) s.get("status"), n, Long::sum);
            total += n;
            Double f = (Double) s.get("first"), l = (Double) s.get("last");
            if (f != null && (first == null || f < first)) first = f;
            if (l != null && (last == null || l > last)) last = l;
        }
        w.put("task_count", total);
        w.put("status_counts", counts);
        w.put("first_task_started_at", first);
        w.put("last_task_ended_at", last);
        return Optional.of(w);
    }

    public List<Map<String, Object>> workflowTasks(String workflowId, String status, int limit, int offset) {
        var params = new LinkedHashMap<String, Object>();
        params.put("id", workflowId);
        params.put("status", status);
        params.put("limit", limit);
        params.put("offset", offset);
        return read(WORKFLOW_TASKS, params, r -> {
            Map<String, Object> m = doc(r.get("json"));
            return m == null
                    ? new LinkedHashMap<>(Map.of("task_id", r.get("task_id").asString()))
                    : withDuration(m);
        });
    }

    /** What is known of a task id: nothing, only its id (named as a dependency), or its document. */
    public record TaskLookup(boolean known, Map<String, Object> document) {
        public boolean placeholder() {
            return known && document == null;
        }
    }

    /**
     * The task as sent, merged, in one read. A task known only as another task's dependency (its own
     * events have not arrived) has no document.
     */
    public TaskLookup task(String id) {
        List<TaskLookup> found =
                read(TASK, Map.of("id", id), r -> new TaskLookup(true, withDurationOrNull(doc(r.get("json")))));
        return found.isEmpty() ? new TaskLookup(false, null) : found.get(0);
    }

    /** Whether a workflow with this id exists (cheap: no task statistics). */
    public boolean workflowExists(String id) {
        return !read(WORKFLOW, Map.of("id", id), r -> Boolean.TRUE).isEmpty();
    }

    private static Map<String, Object> withDurationOrNull(Map<String, Object> m) {
        return m == null ? null : withDuration(m);
    }

    private static Map<String, Object> withDuration(Map<String, Object> m) {
        if (m.get("started_at") instanceof Number s && m.get("ended_at") instanceof Number e)
            m.put("duration", e.doubleValue() - s.doubleValue());
        return m;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> doc(Value json) {
        if (json == null || json.isNull()) return null;
        try {
            Map<String, Object> m = (Map<String, Object>) codec.parse(json.asString());
            m.remove("type");
            return m;
        } catch (Exception e) {
            throw new IllegalStateException("stored document is unreadable", e);
        }
    }

    private <T> List<T> read(String query, Map<String, Object> params, java.util.function.Function<Record, T> map) {
        try (var session = driver.session()) {
            return session.executeRead(tx -> {
                var out = new ArrayList<T>();
                for (Record r : tx.run(query, params).list()) out.add(map.apply(r));
                return out;
            });
        }
    }
}
