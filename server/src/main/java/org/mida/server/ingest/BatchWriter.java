package org.mida.server.ingest;

import java.util.ArrayList;
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
import org.mida.server.ingest.IngestPlan.Generation;
import org.mida.server.ingest.IngestPlan.Statement;
import org.mida.server.ingest.IngestPlan.Stored;
import org.mida.server.ingest.IngestPlan.Usage;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Record;
import org.neo4j.driver.SimpleQueryRunner;

/**
 * Writes a batch of events to Neo4j in one transaction: reads what the store holds of the ids the
 * batch names, lets {@link IngestPlan} decide what changes, and runs the plan's statements. Reading and
 * writing share the transaction, so the plan is made from the state it writes over. Thread-safe (one
 * transaction per call).
 *
 * <p>Safe with several ingesting servers on one Neo4j (whose read-committed reads take no lock): the
 * read statements write-lock every existing task, workflow and entity the batch names before reading it
 * (ids sorted, tasks then workflows then entities, so two batches lock in one order), and the field
 * registry scopes the plan registers keys in are locked and read afresh before the final plan. An id
 * not in the store yet is covered too: the read statements write, so Neo4j seeks their unique ids with
 * the index entry's lock, absent entries included (a batch reading a task another batch is creating
 * waits for that commit; two batches that read the same absent id and both create it deadlock, and the
 * transport retries the one Neo4j aborts, a transient error). As a safety net, a {@code CREATE} refused by
 * a uniqueness constraint (tasks, workflows and, since issue 15, entities: {@code ingest/create-entities}
 * creates rather than merges), or a conflict a statement reports, rolls the batch back and reads and
 * plans it again, up to {@link #ATTEMPTS} times.
 *
 * <p>It reaches Neo4j through an {@link IngestTransport}: the driver over Bolt, or, with the embedded
 * Neo4j, the database's in-process Java API (the default, {@code MIDA_INGEST_TRANSPORT}); in-process the task
 * and entity reads can go through the core API instead of their Cypher ({@link NativeReads}: the same rows and
 * the same locks; on by default, {@code -Dmida.ingest.reads=cypher} runs the Cypher).
 */
final class BatchWriter {

    // CYPHER replan=skip (PerBatch): the server plans its statements on the store it starts with (often empty,
    // see warmUp) and keeps those plans. In issue 12 that made the ingest's cost grow with the store (unhinted
    // lookups planned as scans on an empty store); since issue 15 every lookup is hinted (IngestHintsTest) and
    // the plans made on an empty store seek (IngestPlansIT), so replanning on statistics divergence only cost
    // CPU (docs/BENCHMARKS.md). -Dmida.ingest.replan=default replans as before.
    private static final PerBatch READ_TASKS = PerBatch.of(Cypher.load("ingest/read-tasks"));
    private static final PerBatch READ_WORKFLOWS = PerBatch.of(Cypher.load("ingest/read-workflows"));
    private static final PerBatch READ_CAMPAIGNS = PerBatch.of(Cypher.load("ingest/read-campaigns"));
    private static final PerBatch READ_ENTITIES = PerBatch.of(Cypher.load("ingest/read-entities"));
    private static final PerBatch READ_OBSERVERS = PerBatch.of(Cypher.load("ingest/read-observers"));
    private static final PerBatch LOCK_FIELD_SCOPES = PerBatch.of(Cypher.load("ingest/lock-field-scopes"));
    /** How many times a batch is planned and written when another server changed what it read. */
    static final int ATTEMPTS = 8;

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(BatchWriter.class);
    private static final Map<Statement, PerBatch> WRITES = new EnumMap<>(Statement.class);

    static {
        for (Statement s : Statement.values()) WRITES.put(s, PerBatch.of(Cypher.load(s.resource())));
    }

    private final IngestTransport transport;
    private final EventCodec codec;
    private final NodeProperties properties;
    private final FieldRegistry fields;
    private final DoubleSupplier clock;
    private final java.util.concurrent.atomic.AtomicLong replans = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong plans = new java.util.concurrent.atomic.AtomicLong();
    /** The ids the store may hold: a batch's first attempt reads only those, once {@link #loadKnownIds} ran. */
    private final KnownIds knownIds = KnownIds.configured();
    /** Ids a first attempt took for new without reading them (all batches). */
    private final java.util.concurrent.atomic.AtomicLong skipped = new java.util.concurrent.atomic.AtomicLong();
    /** Where the current batch's time goes (the ingest thread's; it resets it per batch). */
    private final BatchPhases phases = new BatchPhases();

    public BatchWriter(Driver driver, EventCodec codec) {
        this(IngestTransport.driver(driver), codec);
    }

    public BatchWriter(IngestTransport transport, EventCodec codec) {
        this(transport, codec, new NodeProperties(codec), new FieldRegistry());
    }

    /** A writer with these bounds on the keys made queryable ({@code properties}) and this registry. */
    BatchWriter(IngestTransport transport, EventCodec codec, NodeProperties properties, FieldRegistry fields) {
        this(transport, codec, properties, fields, () -> System.currentTimeMillis() / 1000.0);
    }

    /** A writer whose {@code clock} (epoch seconds) stamps the observer reports it writes ({@code received_at}). */
    BatchWriter(Driver driver, EventCodec codec, DoubleSupplier clock) {
        this(IngestTransport.driver(driver), codec, clock);
    }

    /** A writer whose {@code clock} (epoch seconds) stamps the observer reports it writes ({@code received_at}). */
    BatchWriter(IngestTransport transport, EventCodec codec, DoubleSupplier clock) {
        this(transport, codec, new NodeProperties(codec), new FieldRegistry(), clock);
    }

    private BatchWriter(
            IngestTransport transport,
            EventCodec codec,
            NodeProperties properties,
            FieldRegistry fields,
            DoubleSupplier clock) {
        this.transport = transport;
        this.codec = codec;
        this.properties = properties;
        this.fields = fields;
        this.clock = clock;
    }

    /**
     * Plans the ingest statements ahead, so the first real batch does not pay seconds of Cypher planning:
     * first every statement once with no rows ({@link Statement#values()}, so statements added later are
     * covered), then a few small batches shaped like the first ones a user sends (a task that uses and
     * generates entities, a few dependent tasks in a sub-workflow, an observer report) through the very
     * path {@link #write} takes, each in a transaction that is rolled back: nothing is written. The second
     * pass is needed because Neo4j caches a plan per parameter types and list-size bucket (0, 1, 10, 100,
     * …) and per whether the transaction already changed something, so empty rows alone do not give the
     * plans a first small batch looks up.
     */
    public void warmUp() {
        transport.once(
                tx -> {
                    for (PerBatch q : List.of(READ_TASKS, READ_WORKFLOWS, READ_CAMPAIGNS, READ_OBSERVERS))
                        tx.run(q.text(), Map.of("ids", List.of()));
                    tx.run(LOCK_FIELD_SCOPES.text(), Map.of("scopes", List.of()));
                    tx.run(READ_ENTITIES.text(), Map.of("rows", List.of()));
                    for (Statement s : Statement.values())
                        tx.run(WRITES.get(s).text(), Map.of(s.parameter(), List.of()));
                    return null;
                },
                false);
        for (List<Event> events : rehearsals()) rehearse(events);
    }

    /** Thrown inside the transaction of a rehearsed batch, so that it is rolled back. */
    private static final class RolledBack extends RuntimeException {
        RolledBack() {
            super("rehearsal", null, false, false);
        }
    }

    /** Plans and runs one batch like {@link #write}, then rolls it back. */
    private void rehearse(List<Event> events) {
        Batch batch = Batch.of(events);
        try {
            transport.write(tx -> {
                run(tx, batch, clock.getAsDouble(), false);
                throw new RolledBack();
            });
        } catch (RolledBack expected) {
            // nothing was written
        }
    }

    /** The batches {@link #warmUp} rehearses; their ids cannot clash with a user's (and nothing is kept). */
    static List<List<Event>> rehearsals() {
        String p = "mida:warm-up/";
        double t = 1.0;
        TaskEvent first = TaskEvent.builder(p + "t1")
                .workflowId(p + "wf")
                .campaignId(p + "c")
                .activityId("warm-up")
                .status(org.mida.event.Status.FINISHED)
                .startedAt(t)
                .endedAt(t + 1)
                .hostname("warm-up")
                .user("warm-up")
                .used(Map.of("lr", 0.1, "data", Map.of("@id", p + "in", "@type", "dataset")))
                .generated(Map.of("loss", 0.5, "model", Map.of("@id", p + "out", "@type", "model")))
                .build();
        var dependent = new java.util.ArrayList<Event>();
        dependent.add(WorkflowEvent.of(p + "wf", p + "c", "warm-up"));
        dependent.add(new WorkflowEvent(
                p + "sub", p + "c", "warm-up", p + "wf", null, null, null, null, null, null, null, null, null, null,
                null, null));
        for (int i = 1; i <= 3; i++)
            dependent.add(TaskEvent.builder(p + "s" + i)
                    .workflowId(p + "sub")
                    .status(org.mida.event.Status.FINISHED)
                    .startedAt(t + i)
                    .endedAt(t + i + 1)
                    .dependencies(i == 1 ? List.of() : List.of(p + "s" + (i - 1)))
                    .used(Map.of("in", Map.of("@id", p + "d" + (i - 1))))
                    .generated(Map.of("out", Map.of("@id", p + "d" + i)))
                    .build());
        Event report = org.mida.event.ObserverEvent.of(p + "observer", t, Map.of("emitted", 1));
        // versions: an entity written twice and read in between, a flat one read before its generation
        var versioned = new java.util.ArrayList<Event>();
        for (int i = 1; i <= 2; i++)
            versioned.add(TaskEvent.builder(p + "w" + i)
                    .workflowId(p + "wf")
                    .status(org.mida.event.Status.FINISHED)
                    .startedAt(t + 2 * i)
                    .endedAt(t + 2 * i + 1)
                    .generated(Map.of("out", Map.of("@id", p + "v", "rows", i), "log", Map.of("@id", p + "log" + i)))
                    .build());
        versioned.add(TaskEvent.builder(p + "r")
                .workflowId(p + "wf")
                .status(org.mida.event.Status.RUNNING)
                .startedAt(t + 3.5)
                .used(Map.of("in", Map.of("@id", p + "v"), "early", Map.of("@id", p + "log2")))
                .build());
        return List.of(List.of(first), dependent, List.of(report), versioned);
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
        IngestPlan plan = null;
        for (int attempt = 1; plan == null; attempt++) {
            // the first attempt reads only the ids the store may hold; a conflict reads them all again
            boolean knownOnly = attempt == 1 && knownIds.active(System.nanoTime());
            try {
                // rebuilt from scratch if the transport retries the transaction (a deadlock, a lost leader);
                // one past the transaction memory limit fails at once (TooBig), so that the ingest splits it
                long t0 = System.nanoTime();
                long inside0 = inside();
                try {
                    plan = transport.write(tx -> run(tx, batch, receivedAt, knownOnly));
                } finally {
                    // what the transaction took besides reading, planning and writing: begin, commit, retries
                    phases.addNanos(BatchPhases.Phase.COMMIT, System.nanoTime() - t0 - (inside() - inside0));
                }
            } catch (RuntimeException e) {
                if (attempt >= ATTEMPTS || !(e instanceof Replan || createdMeanwhile(e))) throw e;
                // an id the known ids missed (another writer made it): this batch and the next ones read every id
                if (knownOnly) knownIds.conflict(System.nanoTime(), e.getMessage());
                replans.incrementAndGet();
                LOG.debug(
                        "batch planned again (attempt {}): another server wrote what it read: {}",
                        attempt,
                        e.getMessage());
            }
        }
        fields.committed(plan.registerFields());
        knownIds.wrote(batch.taskIds(), batch.entityIds(Map.of()));
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

    /**
     * Thrown inside a batch's transaction when a node the plan took for new was made by another server
     * meanwhile: the transaction is rolled back and the batch planned again.
     */
    private static final class Replan extends RuntimeException {
        Replan(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * A uniqueness constraint refused a node the plan took for new: another server made it meanwhile (the
     * driver's ClientException, or in-process a QueryExecutionException, with that code).
     */
    static boolean createdMeanwhile(Throwable e) {
        return "Neo.ClientError.Schema.ConstraintValidationFailed".equals(StoreFaults.code(e));
    }

    /**
     * Plans and runs a batch in a transaction the caller owns and commits (no retry): a test's stand-in
     * for another server's batch, held uncommitted.
     */
    IngestPlan writeIn(SimpleQueryRunner tx, List<Event> events) {
        return writeIn((query, parameters) -> tx.run(query, parameters).list(Record::asMap), events);
    }

    /** As {@link #writeIn(SimpleQueryRunner, List)}, in a transaction of either transport. */
    IngestPlan writeIn(WriteTransaction tx, List<Event> events) {
        return run(tx, Batch.of(events), clock.getAsDouble(), false);
    }

    /** The transport this writer reaches Neo4j through. */
    IngestTransport transport() {
        return transport;
    }

    /**
     * The system property that plans a batch again after reading the field registry scopes it registers keys
     * in under their lock even when the fresh read holds what the first plan saw (the behaviour before issue
     * 15's change; benchmarks: side by side).
     */
    static final String PLAN_AGAIN_PROPERTY = "mida.ingest.plan.again";

    /** How many plans were made ({@link IngestPlan#of}), all batches and attempts together. */
    long plans() {
        return plans.get();
    }

    /** How many batches were planned again because another server wrote what they read meanwhile. */
    long replans() {
        return replans.get();
    }

    /** The phases of the current batch (ingest thread only). */
    BatchPhases phases() {
        return phases;
    }

    private long inside() {
        return phases.get(BatchPhases.Phase.READ)
                + phases.get(BatchPhases.Phase.PLAN)
                + phases.get(BatchPhases.Phase.STATEMENTS);
    }

    /** Reads what the batch names, plans it and runs the plan's statements in {@code tx}. */
    private IngestPlan run(WriteTransaction tx, Batch batch, double receivedAt, boolean knownOnly) {
        long t = System.nanoTime();
        Stored stored = read(tx, batch, knownOnly);
        t = phases.add(BatchPhases.Phase.READ, t);
        IngestPlan p = IngestPlan.of(batch, stored, properties, receivedAt);
        t = phases.add(BatchPhases.Phase.PLAN, t);
        plans.incrementAndGet();
        // the registry scopes the plan registers keys in (or whose bound refused one): planned again on a
        // fresh read of them under their lock, until the plan depends on no other scope; not when the fresh
        // read holds what the plan was made on (no other server registered keys there meanwhile: the common
        // case, a new workflow's first batch), as the plan would be the same (issue 15: the second plan was
        // ≈ 4 % of the ingest's CPU)
        var locked = new java.util.TreeSet<String>();
        while (!locked.containsAll(p.fieldScopes())) {
            var scopes = new java.util.TreeSet<>(p.fieldScopes());
            scopes.removeAll(locked);
            tx.run(LOCK_FIELD_SCOPES.text(), Map.of("scopes", List.copyOf(scopes)));
            locked.addAll(scopes);
            var known = new HashMap<String, Set<String>>(stored.fields() == null ? Map.of() : stored.fields());
            Map<String, Set<String>> fresh = fields.reread(tx::run, scopes);
            boolean same = stored.fields() != null && !Boolean.getBoolean(PLAN_AGAIN_PROPERTY);
            for (var e : fresh.entrySet())
                if (!e.getValue().equals(known.getOrDefault(e.getKey(), Set.of()))) same = false;
            known.putAll(fresh);
            t = phases.add(BatchPhases.Phase.READ, t);
            stored = new Stored(
                    stored.tasks(),
                    stored.workflows(),
                    stored.campaigns(),
                    stored.entities(),
                    stored.observers(),
                    stored.versions(),
                    stored.usages(),
                    stored.generations(),
                    known);
            if (same) continue;
            p = IngestPlan.of(batch, stored, properties, receivedAt);
            t = phases.add(BatchPhases.Phase.PLAN, t);
            plans.incrementAndGet();
        }
        try {
            for (IngestPlan.Step s : p.steps()) {
                List<Map<String, Object>> conflicts =
                        tx.run(WRITES.get(s.statement()).text(), s.parameters());
                if (!conflicts.isEmpty())
                    throw new Replan(conflicts.size() + " entities made by another server meanwhile, e.g. "
                            + conflicts.get(0).values().iterator().next());
            }
        } finally {
            phases.add(BatchPhases.Phase.STATEMENTS, t);
        }
        return p;
    }

    private Stored read(WriteTransaction tx, Batch batch, boolean knownOnly) {
        // in-process and switched on: the task and entity reads through the core API (same rows, same locks)
        org.neo4j.graphdb.Transaction nt = NativeReads.of(tx);
        // sorted: the reads lock what they read, and two batches must lock in one order
        List<String> taskIds = toRead(batch.taskIds(), knownOnly, knownIds::mayHoldTask);
        var tasks = documents(
                nt != null && !taskIds.isEmpty() ? NativeReads.tasks(nt, taskIds) : rows(tx, READ_TASKS, taskIds),
                this::decodeTask);
        var workflows = documents(rows(tx, READ_WORKFLOWS, sorted(batch.workflowIds())), this::decodeWorkflow);
        var campaigns = new HashSet<String>();
        for (Map<String, Object> r : rows(tx, READ_CAMPAIGNS, batch.campaignIds())) campaigns.add((String) r.get("id"));
        var entities = new HashMap<String, Map<String, Object>>();
        var versions = new HashMap<String, List<Map<String, Object>>>();
        var generations = new HashMap<String, List<Generation>>();
        var usages = new HashMap<String, List<Usage>>();
        List<String> entityIds = toRead(batch.entityIds(tasks), knownOnly, knownIds::mayHoldEntity);
        if (!entityIds.isEmpty()) {
            // the stored usages only of the entities whose versions the batch may change
            var versioned = new HashSet<>(batch.versionedEntityIds(tasks));
            var rows = new ArrayList<Map<String, Object>>(entityIds.size());
            for (String id : entityIds) rows.add(Map.of("id", id, "usages", versioned.contains(id)));
            List<Map<String, Object>> read =
                    nt != null ? NativeReads.entities(nt, rows) : tx.run(READ_ENTITIES.text(), Map.of("rows", rows));
            for (Map<String, Object> r : read) {
                String id = (String) r.get("id");
                entities.put(id, map(r.get("props")));
                var vs = new ArrayList<Map<String, Object>>();
                for (Object v : list(r.get("versions"))) vs.add(map(v));
                if (!vs.isEmpty()) versions.put(id, vs);
                var gs = new ArrayList<Generation>();
                for (Object o : list(r.get("generations"))) {
                    Map<String, Object> g = map(o);
                    gs.add(new Generation(
                            (String) g.get("task_id"), (String) g.get("role"), nullableDouble(g.get("at"))));
                }
                if (!gs.isEmpty()) generations.put(id, gs);
                var us = new ArrayList<Usage>();
                for (Object o : list(r.get("usages"))) {
                    Map<String, Object> u = map(o);
                    us.add(new Usage(
                            (String) u.get("task_id"),
                            (String) u.get("role"),
                            (String) u.get("version"),
                            nullableDouble(u.get("at"))));
                }
                if (!us.isEmpty()) usages.put(id, us);
            }
        }
        var observers = new HashMap<String, Double>();
        for (Map<String, Object> r : rows(tx, READ_OBSERVERS, batch.observerIds())) {
            Double at = nullableDouble(r.get("at"));
            // a node without a time (written by hand) is replaced by any report
            if (at != null) observers.put((String) r.get("id"), at);
        }
        return new Stored(
                tasks,
                workflows,
                campaigns,
                entities,
                observers,
                versions,
                usages,
                generations,
                fields.registered(tx::run, scopes(batch, tasks, workflows)));
    }

    /** The registry scopes of the batch's tasks and workflows, as sent and as stored. */
    private static Set<String> scopes(
            Batch batch, Map<String, Optional<TaskEvent>> tasks, Map<String, Optional<WorkflowEvent>> workflows) {
        // the distinct ids first, then one scope string each (before: a string per event, ≈ 0.5 % of the ingest
        // thread; issue 15, 16th session)
        var scopes = new Scopes();
        for (List<TaskEvent> ts : batch.tasks().values())
            for (TaskEvent t : ts) scopes.add(t.campaignId(), t.workflowId());
        for (WorkflowEvent w : batch.workflows().values()) scopes.add(w.campaignId(), w.workflowId());
        for (Optional<TaskEvent> t : tasks.values()) t.ifPresent(d -> scopes.add(d.campaignId(), d.workflowId()));
        for (Optional<WorkflowEvent> w : workflows.values())
            w.ifPresent(d -> scopes.add(d.campaignId(), d.workflowId()));
        // a merged task may take its campaign from one event and nothing from the others
        for (String c : batch.campaignIds()) scopes.add(c, null);
        return scopes.names();
    }

    /**
     * The registry scopes of (campaign, workflow) pairs: the distinct pairs first, then {@link FieldRegistry#scope}
     * once each (its rule alone decides which id names the scope).
     */
    private static final class Scopes {
        /** Workflow ids (null included) by campaign id (null included). */
        private final Map<String, Set<String>> pairs = new HashMap<>();

        void add(String campaignId, String workflowId) {
            pairs.computeIfAbsent(campaignId, k -> new HashSet<>()).add(workflowId);
        }

        Set<String> names() {
            var out = new HashSet<String>();
            for (var e : pairs.entrySet()) for (String w : e.getValue()) out.add(FieldRegistry.scope(e.getKey(), w));
            return out;
        }
    }

    /** The rows of a per-batch read of {@code ids}; none without running it when there is no id. */
    private static List<Map<String, Object>> rows(WriteTransaction tx, PerBatch statement, List<String> ids) {
        return ids.isEmpty() ? List.of() : tx.run(statement.text(), Map.of("ids", ids));
    }

    private static <T> Map<String, Optional<T>> documents(
            List<Map<String, Object>> rows, BiFunction<String, String, T> decode) {
        var out = new HashMap<String, Optional<T>>();
        for (Map<String, Object> r : rows) {
            String id = (String) r.get("id");
            var json = (String) r.get("json");
            out.put(id, json == null ? Optional.empty() : Optional.of(decode.apply(id, json)));
        }
        return out;
    }

    /**
     * The ids to read, sorted; when {@code knownOnly}, without those {@code mayHold} denies (new to the store:
     * nothing to read), counted as skipped. Filtered before sorting: most ids of a batch are new, and sorting
     * thousands of ids with long common prefixes cost more than the filter (issue 15, 13th session).
     */
    private List<String> toRead(List<String> ids, boolean knownOnly, java.util.function.Predicate<String> mayHold) {
        if (!knownOnly) return sorted(ids);
        var out = new ArrayList<String>(ids.size());
        for (String id : ids) if (mayHold.test(id)) out.add(id);
        skipped.addAndGet(ids.size() - out.size());
        java.util.Collections.sort(out);
        return out;
    }

    /**
     * Loads the store's task and entity ids into the {@link KnownIds} (the ingest's writer, at start, on a thread
     * of its own); from then on a batch's first attempt reads only the ids the store may hold.
     */
    void loadKnownIds() {
        knownIds.load(transport);
    }

    /** The known ids (tests). */
    KnownIds knownIds() {
        return knownIds;
    }

    /** How many ids first attempts took for new without reading them (all batches). */
    long skippedReads() {
        return skipped.get();
    }

    private static List<String> sorted(List<String> ids) {
        var out = new ArrayList<>(ids);
        java.util.Collections.sort(out);
        return out;
    }

    /** A number as the driver's {@code asDouble} reads it (an integer stored by hand included); null stays null. */
    private static Double nullableDouble(Object v) {
        return v == null ? null : ((Number) v).doubleValue();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object v) {
        return v == null ? Map.of() : (Map<String, Object>) v;
    }

    private static List<?> list(Object v) {
        return v == null ? List.of() : (List<?>) v;
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

    /** The batch does not fit in one transaction ({@link StoreFaults.Kind#TOO_BIG}); not retried by the transport. */
    static final class TooBig extends RuntimeException {
        TooBig(RuntimeException cause) {
            super(cause.getMessage(), cause);
        }
    }
}
