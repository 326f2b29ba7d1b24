package org.mida.server.ingest;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.DoubleSupplier;
import org.mida.cypher.Cypher;
import org.mida.event.Event;
import org.mida.event.EventCodec;
import org.mida.event.TaskEvent;
import org.mida.event.WorkflowEvent;
import org.mida.server.fields.FieldRegistry;
import org.mida.server.ingest.IngestPlan.Batch;
import org.mida.server.ingest.IngestPlan.Statement;
import org.mida.server.ingest.IngestPlan.Stored;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Record;
import org.neo4j.driver.TransactionContext;

/**
 * Writes a batch of events to Neo4j in one transaction: reads what the store holds of the ids the
 * batch names, lets {@link IngestPlan} decide what changes, and runs the plan's statements. Reading and
 * writing share the transaction, so the plan is made from the state it writes over. Thread-safe (one
 * transaction per call).
 */
final class BatchWriter {

    private static final String READ_TASKS = Cypher.load("ingest/read-tasks");
    private static final String READ_WORKFLOWS = Cypher.load("ingest/read-workflows");
    private static final String READ_CAMPAIGNS = Cypher.load("ingest/read-campaigns");
    private static final String READ_ENTITIES = Cypher.load("ingest/read-entities");
    private static final String READ_OBSERVERS = Cypher.load("ingest/read-observers");
    private static final Map<Statement, String> WRITES = new EnumMap<>(Statement.class);

    static {
        for (Statement s : Statement.values()) WRITES.put(s, Cypher.load(s.resource()));
    }

    private final Driver driver;
    private final EventCodec codec;
    private final NodeProperties properties;
    private final FieldRegistry fields;
    private final DoubleSupplier clock;

    public BatchWriter(Driver driver, EventCodec codec) {
        this(driver, codec, new NodeProperties(codec), new FieldRegistry());
    }

    /** A writer with these bounds on the keys made queryable ({@code properties}) and this registry. */
    BatchWriter(Driver driver, EventCodec codec, NodeProperties properties, FieldRegistry fields) {
        this(driver, codec, properties, fields, () -> System.currentTimeMillis() / 1000.0);
    }

    /** A writer whose {@code clock} (epoch seconds) stamps the observer reports it writes ({@code received_at}). */
    BatchWriter(Driver driver, EventCodec codec, DoubleSupplier clock) {
        this(driver, codec, new NodeProperties(codec), new FieldRegistry(), clock);
    }

    private BatchWriter(
            Driver driver, EventCodec codec, NodeProperties properties, FieldRegistry fields, DoubleSupplier clock) {
        this.driver = driver;
        this.codec = codec;
        this.properties = properties;
        this.fields = fields;
        this.clock = clock;
    }

    /**
     * Plans every ingest statement once (with no rows, in a transaction that is rolled back), so the
     * first real batch does not pay seconds of Cypher planning. Plans are cached per database.
     */
    public void warmUp() {
        try (var session = driver.session();
                var tx = session.beginTransaction()) {
            for (String q : List.of(READ_TASKS, READ_WORKFLOWS, READ_CAMPAIGNS, READ_ENTITIES, READ_OBSERVERS))
                tx.run(q, Map.of("ids", List.of())).consume();
            for (Statement s : Statement.values())
                tx.run(WRITES.get(s), Map.of(s.parameter(), List.of())).consume();
            tx.rollback();
        }
    }

    /**
     * What one batch changed. {@code changed} holds the merged state (as now stored) of every task and
     * workflow the batch created or changed, for listeners such as the SSE stream; it only references
     * objects the batch built anyway. {@code refused} are the events the plan did not apply (the caller
     * dead-letters them); every other event was written.
     */
    public record Written(
            int tasksCreated,
            int tasksUpdated,
            int tasksUnchanged,
            int workflows,
            int entitiesCreated,
            int observers,
            List<Event> changed,
            List<IngestPlan.Refusal> refused) {}

    public Written write(List<Event> events) {
        Batch batch = Batch.of(events);
        if (batch.isEmpty()) return new Written(0, 0, 0, 0, 0, 0, List.of(), List.of());
        double receivedAt = clock.getAsDouble();
        IngestPlan plan;
        try (var session = driver.session()) {
            // rebuilt from scratch if the driver retries the transaction
            plan = session.executeWrite(tx -> {
                IngestPlan p = IngestPlan.of(batch, read(tx, batch), properties, receivedAt);
                for (IngestPlan.Step s : p.steps())
                    tx.run(WRITES.get(s.statement()), s.parameters()).consume();
                return p;
            });
        }
        fields.committed(plan.registerFields());
        return new Written(
                plan.tasksCreated(),
                plan.tasksUpdated(),
                plan.tasksUnchanged(),
                plan.workflows(),
                plan.entitiesCreated(),
                plan.observers().size(),
                plan.changed(),
                plan.refused());
    }

    private Stored read(TransactionContext tx, Batch batch) {
        var tasks = documents(tx, READ_TASKS, batch.taskIds(), this::decodeTask);
        var workflows = documents(tx, READ_WORKFLOWS, batch.workflowIds(), this::decodeWorkflow);
        var campaigns = new HashSet<String>();
        List<String> campaignIds = batch.campaignIds();
        if (!campaignIds.isEmpty())
            for (Record r : tx.run(READ_CAMPAIGNS, Map.of("ids", campaignIds)).list())
                campaigns.add(r.get("id").asString());
        var entities = new HashMap<String, Map<String, Object>>();
        List<String> entityIds = batch.entityIds();
        if (!entityIds.isEmpty())
            for (Record r : tx.run(READ_ENTITIES, Map.of("ids", entityIds)).list())
                entities.put(r.get("id").asString(), r.get("props").asMap());
        var observers = new HashMap<String, Double>();
        List<String> observerIds = batch.observerIds();
        if (!observerIds.isEmpty())
            for (Record r : tx.run(READ_OBSERVERS, Map.of("ids", observerIds)).list()) {
                var at = r.get("at");
                // a node without a time (written by hand) is replaced by any report
                if (!at.isNull()) observers.put(r.get("id").asString(), at.asDouble());
            }
        return new Stored(
                tasks,
                workflows,
                campaigns,
                entities,
                observers,
                fields.registered(tx, scopes(batch, tasks, workflows)));
    }

    /** The registry scopes of the batch's tasks and workflows, as sent and as stored. */
    private static Set<String> scopes(
            Batch batch, Map<String, Optional<TaskEvent>> tasks, Map<String, Optional<WorkflowEvent>> workflows) {
        var out = new HashSet<String>();
        for (List<TaskEvent> ts : batch.tasks().values())
            for (TaskEvent t : ts) out.add(FieldRegistry.scope(t.campaignId(), t.workflowId()));
        for (WorkflowEvent w : batch.workflows().values()) out.add(FieldRegistry.scope(w.campaignId(), w.workflowId()));
        for (Optional<TaskEvent> t : tasks.values())
            t.ifPresent(d -> out.add(FieldRegistry.scope(d.campaignId(), d.workflowId())));
        for (Optional<WorkflowEvent> w : workflows.values())
            w.ifPresent(d -> out.add(FieldRegistry.scope(d.campaignId(), d.workflowId())));
        // a merged task may take its campaign from one event and nothing from the others
        for (String c : batch.campaignIds()) out.add(FieldRegistry.campaignScope(c));
        return out;
    }

    private static <T> Map<String, Optional<T>> documents(
            TransactionContext tx, String statement, List<String> ids, BiFunction<String, String, T> decode) {
        var out = new HashMap<String, Optional<T>>();
        if (ids.isEmpty()) return out;
        for (Record r : tx.run(statement, Map.of("ids", ids)).list()) {
            String id = r.get("id").asString();
            var json = r.get("json");
            out.put(id, json.isNull() ? Optional.empty() : Optional.of(decode.apply(id, json.asString())));
        }
        return out;
    }

    private TaskEvent decodeTask(String id, String json) {
        try {
            return (TaskEvent) codec.decodeEvent(codec.parse(json));
        } catch (Exception e) {
            throw new IllegalStateException("stored document of task " + id + " is unreadable", e);
        }
    }

    private WorkflowEvent decodeWorkflow(String id, String json) {
        try {
            return (WorkflowEvent) codec.decodeEvent(codec.parse(json));
        } catch (Exception e) {
            throw new IllegalStateException("stored document of workflow " + id + " is unreadable", e);
        }
    }
}
