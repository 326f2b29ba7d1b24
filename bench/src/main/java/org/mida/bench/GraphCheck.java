package org.mida.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Counts, through the server's read-only Cypher, what the graph holds of the {@link FaultWorkload} tasks
 * whose events a client had delivered ({@link Sent}): events lost (a phase's key missing, a task not
 * FINISHED, its USED or WAS_GENERATED_BY missing) and events applied twice (a second node for one id, a
 * second relationship, entity or version where one is expected).
 */
final class GraphCheck {
    /** Which (task, phase) events were delivered (acknowledged by the server or emitted by an observer). */
    interface Sent {
        boolean sent(int task, int phase);
    }

    record Result(long sentEvents, long lost, long duplicated, long tasksFound, Map<String, Long> detail) {
        Map<String, Object> asMap() {
            var m = new LinkedHashMap<String, Object>();
            m.put("events_sent", sentEvents);
            m.put("lost", lost);
            m.put("duplicated", duplicated);
            m.put("tasks_found", tasksFound);
            m.put("detail", detail);
            return m;
        }
    }

    private static final String TASKS = """
            MATCH (t:Task) WHERE t.workflow_id = $wf
            RETURN t.task_id AS id, t.status AS status, [k IN $keys | t[k] IS NOT NULL] AS has,
                   COUNT { (t)-[:USED]->() } AS used, COUNT { ()-[:WAS_GENERATED_BY]->(t) } AS gen
            """;
    private static final String ENTITIES = """
            MATCH (e:Entity) WHERE e.id STARTS WITH $p RETURN count(e) AS n, count(DISTINCT e.id) AS d
            """;
    private static final String VERSIONS = """
            MATCH (v:Version) WHERE v.entity_id STARTS WITH $p RETURN count(v) AS n
            """;

    private GraphCheck() {}

    static Result check(MidaClient client, String prefix, int tasks, int phases, Sent sent) throws Exception {
        var keys = new ArrayList<String>();
        for (int j = 0; j < phases; j++) keys.add("custom_metadata.p" + j);
        var detail = new LinkedHashMap<String, Long>();
        String[] names = {
            "events_of_missing_tasks",
            "missing_keys",
            "not_finished",
            "missing_used",
            "missing_generated",
            "extra_task_nodes",
            "extra_used",
            "extra_generated",
            "extra_entities",
            "version_nodes"
        };
        for (String n : names) detail.put(n, 0L);
        long sentEvents = 0, lost = 0, found = 0;
        int workflows = (tasks + FaultWorkload.TASKS_PER_WORKFLOW - 1) / FaultWorkload.TASKS_PER_WORKFLOW;
        for (int w = 0; w < workflows; w++) {
            int first = w * FaultWorkload.TASKS_PER_WORKFLOW;
            int last = Math.min(tasks, first + FaultWorkload.TASKS_PER_WORKFLOW);
            var rows = client.cypher(TASKS, Map.of("wf", FaultWorkload.workflowId(prefix, first), "keys", keys));
            var byId = new HashMap<String, Map<String, Object>>();
            for (var r : rows) {
                if (byId.put((String) r.get("id"), r) != null) detail.merge("extra_task_nodes", 1L, Long::sum);
            }
            for (int i = first; i < last; i++) {
                var row = byId.get(FaultWorkload.taskId(prefix, i));
                if (row != null) found++;
                for (int j = 0; j < phases; j++) {
                    if (!sent.sent(i, j)) continue;
                    sentEvents++;
                    if (row == null) {
                        lost++;
                        detail.merge("events_of_missing_tasks", 1L, Long::sum);
                        continue;
                    }
                    @SuppressWarnings("unchecked")
                    boolean has = Boolean.TRUE.equals(((List<Object>) row.get("has")).get(j));
                    long used = ((Number) row.get("used")).longValue();
                    long gen = ((Number) row.get("gen")).longValue();
                    String bad = null;
                    if (!has) bad = "missing_keys";
                    else if (j == 0 && used == 0) bad = "missing_used";
                    else if (j == phases - 1 && !"FINISHED".equals(row.get("status"))) bad = "not_finished";
                    else if (j == phases - 1 && gen == 0) bad = "missing_generated";
                    if (bad != null) {
                        lost++;
                        detail.merge(bad, 1L, Long::sum);
                    }
                }
                if (row != null) {
                    detail.merge("extra_used", Math.max(0, ((Number) row.get("used")).longValue() - 1), Long::sum);
                    detail.merge("extra_generated", Math.max(0, ((Number) row.get("gen")).longValue() - 1), Long::sum);
                }
            }
        }
        String ep = FaultWorkload.entityPrefix(prefix);
        var e = client.cypher(ENTITIES, Map.of("p", ep)).get(0);
        detail.put("extra_entities", ((Number) e.get("n")).longValue() - ((Number) e.get("d")).longValue());
        detail.put(
                "version_nodes",
                ((Number) client.cypher(VERSIONS, Map.of("p", ep)).get(0).get("n")).longValue());
        long duplicated = detail.get("extra_task_nodes")
                + detail.get("extra_used")
                + detail.get("extra_generated")
                + detail.get("extra_entities")
                + detail.get("version_nodes");
        return new Result(sentEvents, lost, duplicated, found, detail);
    }

    /** Adds up several results (e.g. one per emitter). */
    static Result sum(List<Result> results) {
        long s = 0, l = 0, d = 0, f = 0;
        var detail = new LinkedHashMap<String, Long>();
        for (var r : results) {
            s += r.sentEvents();
            l += r.lost();
            d += r.duplicated();
            f += r.tasksFound();
            r.detail().forEach((k, v) -> detail.merge(k, v, Long::sum));
        }
        return new Result(s, l, d, f, detail);
    }
}
