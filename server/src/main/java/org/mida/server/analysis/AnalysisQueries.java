package org.mida.server.analysis;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.mida.cypher.Cypher;
import org.mida.server.analysis.Report.Agent;
import org.mida.server.analysis.Report.EntityRole;
import org.mida.server.analysis.Report.WorkflowNode;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Record;
import org.neo4j.driver.TransactionCallback;
import org.neo4j.driver.TransactionContext;
import org.neo4j.driver.Value;

/**
 * The Cypher of the analyses ({@code cypher/analysis/*.cypher}): binds the parameters and maps each Neo4j
 * record into a record here, so nothing past this class reads a driver {@link Value}. Reads only.
 */
final class AnalysisQueries {
    private static final String WORKFLOW_EXISTS = Cypher.load("analysis/workflow-exists");
    private static final String CAMPAIGN_EXISTS = Cypher.load("analysis/campaign-exists");
    private static final String SUBJECT = Cypher.load("analysis/report-subject");
    private static final String ENTITIES = Cypher.load("analysis/report-entities");
    private static final String TASKS = Cypher.load("analysis/report-tasks");
    private static final String DOWNSTREAM = Cypher.load("analysis/report-downstream");
    private static final String WORKFLOW_TASKS = Cypher.load("analysis/correlation-workflow-tasks");
    private static final String CAMPAIGN_TASKS = Cypher.load("analysis/correlation-campaign-tasks");
    private static final String DOCUMENTS = Cypher.load("analysis/correlation-documents");

    private final Driver driver;

    AnalysisQueries(Driver driver) {
        this.driver = driver;
    }

    /** Runs {@code work} in one managed read transaction. */
    <T> T read(TransactionCallback<T> work) {
        try (var session = driver.session()) {
            return session.executeRead(work);
        }
    }

    boolean workflowExists(String id) {
        return read(tx -> tx.run(WORKFLOW_EXISTS, Map.of("id", id)).hasNext());
    }

    boolean campaignExists(String id) {
        return read(tx -> tx.run(CAMPAIGN_EXISTS, Map.of("id", id)).hasNext());
    }

    // ---- the lifecycle report: one batched read per step of the walk, all in the caller's transaction

    /** What an id names: an entity, a task, a workflow (any, all or none of them). */
    record SubjectRow(boolean entity, boolean task, boolean workflow) {}

    static SubjectRow subject(TransactionContext tx, String id) {
        Record r = tx.run(SUBJECT, Map.of("id", id)).single();
        return new SubjectRow(
                r.get("entity").asBoolean(),
                r.get("task").asBoolean(),
                r.get("workflow").asBoolean());
    }

    /**
     * An entity or version node: all its properties, the tasks that generated it (time-true: this node's
     * own generations), the entities it was derived from; for a version, the entity it is a version of
     * and that entity's properties; for an entity, the generations of its versions.
     */
    record EntityRow(
            String id,
            Map<String, Object> props,
            List<String> generatedBy,
            List<String> derivedFrom,
            String entityId,
            Map<String, Object> entityProps,
            List<String> versionGeneratedBy) {}

    /** The entities among {@code ids} that exist. */
    static List<EntityRow> entities(TransactionContext tx, List<String> ids) {
        return tx.run(ENTITIES, Map.of("ids", ids))
                .list(r -> new EntityRow(
                        r.get("id").asString(),
                        r.get("props").asMap(),
                        r.get("generated_by").asList(Value::asString),
                        r.get("derived_from").asList(Value::asString),
                        string(r.get("entity_id")),
                        r.get("entity_props").isNull()
                                ? null
                                : r.get("entity_props").asMap(),
                        r.get("version_generated_by").asList(Value::asString)));
    }

    /** The ids of the tasks that used an entity, its versions or its origin (at most {@code limit}) and their count. */
    record DownstreamRow(List<String> ids, long total) {}

    static DownstreamRow downstream(TransactionContext tx, String id, int limit) {
        Record r = tx.run(DOWNSTREAM, Map.of("id", id, "limit", limit)).single();
        return new DownstreamRow(
                r.get("ids").asList(Value::asString), r.get("total").asLong());
    }

    /** The recorded fields of a task node (null where absent, as on a placeholder task). */
    record TaskFields(
            String workflowId,
            String campaignId,
            String activityId,
            String status,
            Double submittedAt,
            Double startedAt,
            Double endedAt,
            Double duration,
            String hostname,
            String user,
            String adapterId) {}

    /** A flattened property of a task node: {@code used.lr} → 0.01. */
    record Prop(String key, Object value) {}

    /**
     * A task node and its neighbourhood.
     *
     * @param json the stored task document; null when the node holds none
     * @param flat its {@code used.*} and {@code generated.*} properties (the fallback without a document)
     * @param used the entities it used, under their roles
     * @param generated the entities it generated, under their roles
     * @param workflow its workflow node; null when it is part of none
     */
    record TaskRow(
            String id,
            String json,
            TaskFields fields,
            List<Prop> flat,
            List<EntityRole> used,
            List<EntityRole> generated,
            List<String> informedBy,
            List<Agent> agents,
            WorkflowNode workflow) {}

    /** The tasks among {@code ids} that exist. */
    static List<TaskRow> tasks(TransactionContext tx, List<String> ids) {
        return tx.run(TASKS, Map.of("ids", ids)).list(AnalysisQueries::taskRow);
    }

    private static TaskRow taskRow(Record r) {
        Value c = r.get("core");
        Value w = r.get("workflow");
        return new TaskRow(
                r.get("id").asString(),
                string(r.get("json")),
                new TaskFields(
                        string(c.get("workflow_id")),
                        string(c.get("campaign_id")),
                        string(c.get("activity_id")),
                        string(c.get("status")),
                        number(c.get("submitted_at")),
                        number(c.get("started_at")),
                        number(c.get("ended_at")),
                        number(c.get("duration")),
                        string(c.get("hostname")),
                        string(c.get("user")),
                        string(c.get("adapter_id"))),
                props(r.get("flat")),
                r.get("used").asList(AnalysisQueries::entityRole),
                r.get("generated").asList(AnalysisQueries::entityRole),
                r.get("informed_by").asList(Value::asString),
                r.get("agents")
                        .asList(a -> new Agent(a.get("id").asString(), string(a.get("kind")), string(a.get("name")))),
                w.isNull()
                        ? null
                        : new WorkflowNode(
                                string(w.get("name")),
                                string(w.get("campaign_id")),
                                string(w.get("status")),
                                number(w.get("started_at")),
                                number(w.get("ended_at"))));
    }

    private static EntityRole entityRole(Value v) {
        return new EntityRole(v.get("id").asString(), string(v.get("role")));
    }

    // ---- the correlation analysis: one streamed read of the tasks in scope

    /**
     * The numeric material of one task.
     *
     * @param duration its duration as stored (null when absent)
     * @param props its {@code used.*} and {@code generated.*} properties
     * @param json the stored task document, only when telemetry was asked for
     */
    record CorrelationRow(Object duration, List<Prop> props, String json) {}

    /**
     * Streams the tasks of the request's workflow or campaign into {@code reduce}, in one read
     * transaction; a retried transaction calls {@code reduce} afresh.
     */
    <T> T correlationRows(Correlation.Request req, Function<Stream<CorrelationRow>, T> reduce) {
        var params = new HashMap<String, Object>();
        params.put("scope", req.workflowId() != null ? req.workflowId() : req.campaignId());
        params.put("activity_id", req.activityId());
        params.put("status", req.status());
        params.put("telemetry", req.telemetry());
        params.put("limit", req.limit());
        String query = req.workflowId() != null ? WORKFLOW_TASKS : CAMPAIGN_TASKS;
        return read(tx -> reduce.apply(tx.run(query, params).stream()
                .map(r -> new CorrelationRow(
                        r.get("duration").isNull() ? null : r.get("duration").asObject(),
                        props(r.get("props")),
                        string(r.get("json"))))));
    }

    /** The stored documents of these tasks (task id → document), those that have one. */
    Map<String, String> documents(List<String> ids) {
        var out = new HashMap<String, String>();
        if (ids.isEmpty()) return out;
        read(tx -> {
            out.clear();
            tx.run(DOCUMENTS, Map.of("ids", ids)).forEachRemaining(r -> {
                if (!r.get("json").isNull())
                    out.put(r.get("id").asString(), r.get("json").asString());
            });
            return null;
        });
        return out;
    }

    /** The columnar mirror of this server (null when there is none). */
    org.mida.server.columnar.TaskMirror mirror() {
        return org.mida.server.columnar.TaskMirror.of(driver);
    }

    private static List<Prop> props(Value pairs) {
        return pairs.asList(p -> new Prop(p.get(0).asString(), p.get(1).asObject()));
    }

    private static String string(Value v) {
        return v.isNull() ? null : v.asString();
    }

    private static Double number(Value v) {
        return v.isNull() ? null : v.asNumber().doubleValue();
    }
}
