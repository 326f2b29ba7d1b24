package org.mida.server.prov;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.mida.cypher.Cypher;
import org.mida.event.EntityRef;
import org.mida.event.Event;
import org.mida.event.EventCodec;
import org.mida.event.TaskEvent;
import org.mida.event.WorkflowEvent;
import org.neo4j.driver.AccessMode;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Record;
import org.neo4j.driver.Result;
import org.neo4j.driver.SessionConfig;
import org.neo4j.driver.Transaction;
import org.neo4j.driver.Value;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exports a workflow or a campaign as a W3C PROV-JSON document.
 *
 * <ul>
 *   <li>tasks, workflows and the campaign are {@code activity} records ({@code prov:type} {@code
 *       mida:Task}/{@code mida:Workflow}/{@code mida:Campaign}, {@code prov:startTime}/{@code
 *       prov:endTime}, every other field as a {@code mida:} attribute);
 *   <li>membership (task in workflow, workflow in campaign or parent workflow) is a {@code
 *       wasStartedBy} whose {@code prov:starter} is the containing activity, typed {@code
 *       mida:partOf};
 *   <li>artifacts are {@code entity} records; each version of an artifact (one per generation) is an
 *       {@code entity} record of its own ({@code mida:version}, {@code mida:entity_id}, its attributes)
 *       with a {@code specializationOf} the artifact and a {@code wasDerivedFrom} typed {@code
 *       prov:Revision} (PROV's wasRevisionOf) to the version generated before it;
 *   <li>a task's {@code used} points at what its {@code USED} relationship points at in the graph (the
 *       version it was bound to, or the artifact itself: its origin), its {@code wasGeneratedBy} at the
 *       versions it generated: one record per version (its roles together), so every entity has at most
 *       one generation (PROV-CONSTRAINTS' unique generation);
 *   <li>each parameter/result of a task is an entity typed {@code mida:Parameter}/{@code mida:Result}
 *       with a typed {@code prov:value}, linked by {@code used}/{@code wasGeneratedBy} with {@code
 *       prov:role} = its name;
 *   <li>users ({@code prov:Person}), hosts ({@code mida:Host}) and adapters ({@code
 *       prov:SoftwareAgent}) are agents linked by {@code wasAssociatedWith}; dependencies are {@code
 *       wasInformedBy}; {@code WAS_DERIVED_FROM} is {@code wasDerivedFrom}.
 * </ul>
 *
 * The graph is read once, streaming (each task's document is parsed once), into one {@link Spool} per
 * section; the document is then written from the spools, so its size is bounded by disk, not heap.
 */
final class ProvExporter {
    private static final Logger LOG = LoggerFactory.getLogger(ProvExporter.class);
    private static final String WORKFLOW = Cypher.load("prov/export-workflow");
    private static final String CAMPAIGN = Cypher.load("prov/export-campaign");
    private static final String TASKS = Cypher.load("prov/export-tasks");
    private static final String ENTITIES = Cypher.load("prov/export-entities");

    /** Fields written as relations or as the record's identity, not as {@code mida:} attributes. */
    private static final Set<String> NOT_ATTRIBUTES =
            Set.of("type", "task_id", "workflow_id", "used", "generated", "dependencies");

    static final String[] SECTIONS = {
        "entity",
        "activity",
        "agent",
        "used",
        "wasGeneratedBy",
        "wasInformedBy",
        "wasStartedBy",
        "wasAssociatedWith",
        "wasDerivedFrom",
        "specializationOf"
    };

    private final Driver driver;
    private final EventCodec codec;
    private final JsonFactory factory;

    ProvExporter(Driver driver, EventCodec codec) {
        this.driver = driver;
        this.codec = codec;
        this.factory = codec.mapper().getFactory();
    }

    /** A workflow to export: its id and its merged document (null when only its id is known). */
    private record WorkflowRow(String id, String json) {
        static WorkflowRow of(Record r) {
            return new WorkflowRow(r.get("id").asString(), text(r.get("json")));
        }
    }

    /**
     * A row of the artifacts query: a general entity ({@code version} false, with what it was derived
     * from) or one of its versions, {@code touched} when an exported task used or generated it.
     */
    private record EntityRow(
            String entity, boolean version, Map<String, Object> props, boolean touched, List<Source> sources) {
        static EntityRow of(Record r) {
            return new EntityRow(
                    r.get("entity").asString(),
                    r.get("version").asBoolean(),
                    r.get("props").asMap(),
                    r.get("touched").asBoolean(),
                    r.get("sources").asList(Source::of));
        }

        String id() {
            return (String) props.get("id");
        }

        boolean timed() {
            return props.get("generated_at") != null;
        }
    }

    /** A relationship of a task as bound in the graph: its role and the id of the entity or version. */
    private record Link(String role, String id) implements Comparable<Link> {
        static Link of(Value v) {
            return new Link(text(v.get("role")), v.get("id").asString());
        }

        @Override
        public int compareTo(Link o) {
            int c = id.compareTo(o.id);
            if (c != 0) return c;
            return role == null ? (o.role == null ? 0 : -1) : o.role == null ? 1 : role.compareTo(o.role);
        }
    }

    /** One {@code WAS_DERIVED_FROM}: the source entity's id and the relation's type (may be null). */
    private record Source(String id, String type) {
        static Source of(Value v) {
            return new Source(v.get("id").asString(), text(v.get("type")));
        }
    }

    private static String text(Value v) {
        return v == null || v.isNull() ? null : v.asString();
    }

    /** The export of one workflow, or empty when there is no such workflow. */
    Optional<Document> workflow(String id) {
        try (var session = driver.session(SessionConfig.builder()
                        .withDefaultAccessMode(AccessMode.READ)
                        .build());
                var tx = session.beginTransaction()) {
            List<WorkflowRow> rows = tx.run(WORKFLOW, Map.of("id", id)).list(WorkflowRow::of);
            if (rows.isEmpty()) return Optional.empty();
            return Optional.of(build(tx, null, rows));
        }
    }

    /** The export of one campaign (all its workflows), or empty when there is no such campaign. */
    Optional<Document> campaign(String id) {
        try (var session = driver.session(SessionConfig.builder()
                        .withDefaultAccessMode(AccessMode.READ)
                        .build());
                var tx = session.beginTransaction()) {
            // one row per workflow; one row with a null id when the campaign has none
            List<Record> rows = tx.run(CAMPAIGN, Map.of("id", id)).list();
            if (rows.isEmpty()) return Optional.empty();
            var workflows = new ArrayList<WorkflowRow>();
            for (Record r : rows) if (!r.get("id").isNull()) workflows.add(WorkflowRow.of(r));
            return Optional.of(build(tx, id, workflows));
        }
    }

    private Document build(Transaction tx, String campaignId, List<WorkflowRow> workflowRows) {
        var doc = new Document();
        try {
            var w = new Writer(doc);
            var workflowIds = new ArrayList<String>();
            var workflowRefs = new LinkedHashMap<String, EntityRef>();
            var campaigns = new TreeSet<String>();
            if (campaignId != null) campaigns.add(campaignId);
            for (WorkflowRow r : workflowRows) {
                String wid = r.id();
                workflowIds.add(wid);
                WorkflowEvent wf = decode(r.json(), WorkflowEvent.class);
                if (wf == null) wf = WorkflowEvent.of(wid, null, null);
                if (wf.campaignId() != null) campaigns.add(wf.campaignId());
                w.workflow(wf);
                for (EntityRef ref : EntityRef.extract(wf.used())) workflowRefs.putIfAbsent(ref.id(), ref);
                for (EntityRef ref : EntityRef.extract(wf.generated())) workflowRefs.putIfAbsent(ref.id(), ref);
            }
            for (String c : campaigns) w.campaign(c);

            long t0 = System.nanoTime();
            Result entities = tx.run(ENTITIES, Map.of("workflow_ids", workflowIds));
            // one general entity after another, its versions in time order: the previous timed version
            // is kept (only it) so that a touched version can be linked to the version it revises
            EntityRow previous = null;
            boolean previousWritten = false;
            while (entities.hasNext()) {
                EntityRow e = EntityRow.of(entities.next());
                if (!e.version()) {
                    workflowRefs.remove(e.id());
                    w.entity(e.id(), e.props());
                    for (Source s : e.sources()) w.derivation(e.id(), s.id(), s.type());
                    previous = null;
                    continue;
                }
                if (e.touched()) {
                    w.version(e.id(), e.entity(), e.props());
                    if (e.timed() && previous != null) {
                        if (!previousWritten) w.version(previous.id(), previous.entity(), previous.props());
                        w.revision(e.id(), previous.id());
                    }
                }
                if (e.timed()) {
                    previous = e;
                    previousWritten = e.touched();
                }
            }
            for (EntityRef ref : workflowRefs.values()) {
                var props = new LinkedHashMap<String, Object>(ref.attributes());
                if (ref.type() != null) props.put("type", ref.type());
                w.entity(ref.id(), props);
            }

            long t1 = System.nanoTime();
            Result tasks = tx.run(TASKS, Map.of("workflow_ids", workflowIds));
            long n = 0;
            while (tasks.hasNext()) {
                Record r = tasks.next();
                TaskEvent t = decode(text(r.get("json")), TaskEvent.class);
                if (t == null) continue;
                w.task(t, r.get("used").asList(Link::of), r.get("generated").asList(Link::of));
                if (++n % 100_000 == 0) LOG.info("PROV export: {} tasks written", n);
            }
            w.agents();
            doc.tasks = n;
            w.finish();
            LOG.info(
                    "PROV export gathered: {} workflows, {} tasks, {} entity records; artifacts {} ms, tasks {} ms",
                    workflowIds.size(),
                    n,
                    doc.counts.getOrDefault("entity", 0),
                    (t1 - t0) / 1_000_000,
                    (System.nanoTime() - t1) / 1_000_000);
            return doc;
        } catch (IOException e) {
            doc.close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            doc.close();
            throw e;
        }
    }

    private <T extends Event> T decode(String json, Class<T> kind) {
        if (json == null) return null;
        try {
            return kind.cast(codec.decodeEvent(codec.parse(json)));
        } catch (Exception e) {
            throw new IllegalStateException("a stored document is unreadable", e);
        }
    }

    /** A gathered export: its sections in spools, written out with {@link #writeTo}. Close it after. */
    final class Document implements AutoCloseable {
        final Map<String, Spool> spools = new LinkedHashMap<>();
        final Map<String, Integer> counts = new LinkedHashMap<>();
        final Map<String, String> prefixes = new LinkedHashMap<>(ProvNames.FIXED);
        long tasks;

        /** Writes the whole PROV-JSON document: the prefixes, then each non-empty section's spool. */
        void writeTo(OutputStream out) throws IOException {
            out.write("{\"prefix\":".getBytes(StandardCharsets.UTF_8));
            out.write(codec.mapper().writeValueAsBytes(prefixes));
            for (String section : SECTIONS) {
                if (counts.getOrDefault(section, 0) == 0) continue;
                out.write((",\"" + section + "\":").getBytes(StandardCharsets.UTF_8));
                spools.get(section).copyTo(out);
            }
            out.write('}');
            out.flush();
        }

        @Override
        public void close() {
            for (Spool s : spools.values()) {
                try {
                    s.close();
                } catch (IOException e) {
                    LOG.warn("cannot delete a PROV export spool", e);
                }
            }
        }
    }

    /** Writes records into the sections of one document. */
    private final class Writer {
        private final Document doc;
        private final ProvNames names = new ProvNames();
        private final Map<String, JsonGenerator> gens = new LinkedHashMap<>();
        private final Set<String> users = new TreeSet<>();
        private final Set<String> hosts = new TreeSet<>();
        private final Set<String> adapters = new TreeSet<>();
        private final Map<String, Integer> ids = new LinkedHashMap<>();
        /** Artifacts the document's workflows generated (tasks generate versions, which are unique). */
        private final Set<String> workflowGenerated = new java.util.HashSet<>();

        Writer(Document doc) throws IOException {
            this.doc = doc;
            for (String s : SECTIONS) {
                Spool spool = new Spool();
                doc.spools.put(s, spool);
                JsonGenerator g = factory.createGenerator(spool, JsonEncoding.UTF8);
                g.writeStartObject();
                gens.put(s, g);
            }
        }

        /** Starts a record in a section; the caller writes its attributes and ends it. */
        private JsonGenerator record(String section, String id) throws IOException {
            JsonGenerator g = gens.get(section);
            doc.counts.merge(section, 1, Integer::sum);
            g.writeObjectFieldStart(id);
            return g;
        }

        /** Starts a relation with a blank id ({@code _:u1}, {@code _:g1}, …). */
        private JsonGenerator relation(String section, String idPrefix) throws IOException {
            int n = ids.merge(section, 1, Integer::sum);
            return record(section, "_:" + idPrefix + n);
        }

        void campaign(String id) throws IOException {
            JsonGenerator g = record("activity", ProvNames.campaign(id));
            g.writeFieldName("prov:type");
            ProvLiterals.qname(g, "mida:Campaign");
            g.writeStringField("mida:campaign_id", id);
            g.writeEndObject();
        }

        void workflow(WorkflowEvent wf) throws IOException {
            String qn = ProvNames.workflow(wf.workflowId());
            activity(qn, "mida:Workflow", wf.toMap(), wf.startedAt(), wf.endedAt());
            if (wf.parentWorkflowId() != null) partOf(qn, ProvNames.workflow(wf.parentWorkflowId()));
            else if (wf.campaignId() != null) partOf(qn, ProvNames.campaign(wf.campaignId()));
            if (wf.user() != null) associate(qn, ProvNames.user(wf.user()), "user", users, wf.user());
            if (wf.adapterId() != null)
                associate(qn, ProvNames.adapter(wf.adapterId()), "adapter", adapters, wf.adapterId());
            io(qn, wf.used(), wf.generated());
        }

        /**
         * A task: its parameters and results from its document, its artifacts as the graph binds them
         * ({@code used}: what each {@code USED} points at; {@code generated}: the versions it generated).
         */
        void task(TaskEvent t, List<Link> used, List<Link> generated) throws IOException {
            String qn = ProvNames.task(t.taskId());
            activity(qn, "mida:Task", t.toMap(), t.startedAt(), t.endedAt());
            if (t.workflowId() != null) partOf(qn, ProvNames.workflow(t.workflowId()));
            if (t.user() != null) associate(qn, ProvNames.user(t.user()), "user", users, t.user());
            if (t.hostname() != null) associate(qn, ProvNames.host(t.hostname()), "host", hosts, t.hostname());
            if (t.adapterId() != null)
                associate(qn, ProvNames.adapter(t.adapterId()), "adapter", adapters, t.adapterId());
            for (String d : t.dependencies()) {
                JsonGenerator g = relation("wasInformedBy", "i");
                g.writeStringField("prov:informed", qn);
                g.writeStringField("prov:informant", ProvNames.task(d));
                g.writeEndObject();
            }
            values(qn, t.used(), true);
            values(qn, t.generated(), false);
            var usages = new TreeSet<>(used);
            for (Link u : usages) link("used", qn, names.entity(u.id()), u.role());
            // one generation per version: the roles it was generated under together
            var roles = new TreeMap<String, TreeSet<String>>();
            for (Link g : generated)
                roles.computeIfAbsent(g.id(), k -> new TreeSet<>()).add(g.role() == null ? "" : g.role());
            for (var g : roles.entrySet()) generation(qn, names.entity(g.getKey()), g.getValue());
        }

        private void activity(String qn, String type, Map<String, Object> fields, Double start, Double end)
                throws IOException {
            JsonGenerator g = record("activity", qn);
            g.writeFieldName("prov:type");
            ProvLiterals.qname(g, type);
            if (start != null) g.writeStringField("prov:startTime", ProvLiterals.dateTime(start));
            if (end != null) g.writeStringField("prov:endTime", ProvLiterals.dateTime(end));
            for (var f : fields.entrySet()) {
                if (NOT_ATTRIBUTES.contains(f.getKey()) || f.getValue() == null) continue;
                g.writeFieldName(ProvNames.mida(f.getKey()));
                ProvLiterals.write(g, f.getValue(), codec::toJson);
            }
            if (start != null && end != null) {
                g.writeFieldName("mida:duration");
                ProvLiterals.write(g, end - start, codec::toJson);
            }
            g.writeEndObject();
        }

        private void partOf(String member, String container) throws IOException {
            JsonGenerator g = relation("wasStartedBy", "s");
            g.writeStringField("prov:activity", member);
            g.writeStringField("prov:starter", container);
            g.writeFieldName("prov:type");
            ProvLiterals.qname(g, "mida:partOf");
            g.writeEndObject();
        }

        private void associate(String activity, String agent, String role, Set<String> kind, String name)
                throws IOException {
            kind.add(name);
            JsonGenerator g = relation("wasAssociatedWith", "a");
            g.writeStringField("prov:activity", activity);
            g.writeStringField("prov:agent", agent);
            g.writeStringField("prov:role", role);
            g.writeEndObject();
        }

        /**
         * A workflow's artifacts (from its document: they are not versioned) and parameter/result
         * entities, with their used/wasGeneratedBy. An artifact another workflow of the document already
         * generated gets no second generation.
         */
        private void io(String activity, Map<String, Object> used, Map<String, Object> generated) throws IOException {
            for (var e : used.entrySet()) direction(activity, e.getKey(), e.getValue(), true);
            for (var e : generated.entrySet()) direction(activity, e.getKey(), e.getValue(), false);
        }

        private void direction(String activity, String role, Object v, boolean used) throws IOException {
            if (v == null) return;
            String section = used ? "used" : "wasGeneratedBy";
            if (EntityRef.isReference(v) && ((Map<?, ?>) v).get("@id") instanceof String id) {
                artifact(section, activity, names.entity(id), role);
                return;
            }
            if (v instanceof List<?> list && !list.isEmpty() && list.stream().allMatch(EntityRef::isReference)) {
                for (Object o : list)
                    if (((Map<?, ?>) o).get("@id") instanceof String id)
                        artifact(section, activity, names.entity(id), role);
                return;
            }
            value(activity, role, v, used);
        }

        private void artifact(String section, String activity, String entity, String role) throws IOException {
            if (section.equals("used")) link(section, activity, entity, role);
            else if (workflowGenerated.add(entity)) generation(activity, entity, new TreeSet<>(Set.of(role)));
        }

        /** The parameters ({@code used}) or results of a task: every value that is not an artifact. */
        private void values(String activity, Map<String, Object> map, boolean used) throws IOException {
            for (var e : map.entrySet()) {
                Object v = e.getValue();
                if (v == null || EntityRef.isReference(v)) continue;
                if (v instanceof List<?> list
                        && !list.isEmpty()
                        && list.stream().allMatch(EntityRef::isReference)) continue;
                value(activity, e.getKey(), v, used);
            }
        }

        private void value(String activity, String role, Object v, boolean used) throws IOException {
            String section = used ? "used" : "wasGeneratedBy";
            String qn = ProvNames.value(activity, used ? "used" : "generated", role);
            JsonGenerator g = record("entity", qn);
            g.writeFieldName("prov:type");
            ProvLiterals.qname(g, used ? "mida:Parameter" : "mida:Result");
            g.writeFieldName("prov:value");
            ProvLiterals.write(g, v, codec::toJson);
            g.writeEndObject();
            link(section, activity, qn, role);
        }

        private void link(String section, String activity, String entity, String role) throws IOException {
            JsonGenerator g = relation(section, section.equals("used") ? "u" : "g");
            g.writeStringField("prov:activity", activity);
            g.writeStringField("prov:entity", entity);
            if (role != null) g.writeStringField("prov:role", role);
            g.writeEndObject();
        }

        /** A generation: one record per entity, its roles as one value or, when several, an array. */
        private void generation(String activity, String entity, Set<String> roles) throws IOException {
            JsonGenerator g = relation("wasGeneratedBy", "g");
            g.writeStringField("prov:activity", activity);
            g.writeStringField("prov:entity", entity);
            roles.remove("");
            if (roles.size() == 1)
                g.writeStringField("prov:role", roles.iterator().next());
            else if (!roles.isEmpty()) {
                g.writeArrayFieldStart("prov:role");
                for (String r : roles) g.writeString(r);
                g.writeEndArray();
            }
            g.writeEndObject();
        }

        /** A version: an entity record of its own, a specialization of its entity. */
        void version(String id, String entityId, Map<String, Object> props) throws IOException {
            entity(id, props);
            JsonGenerator g = relation("specializationOf", "sp");
            g.writeStringField("prov:specificEntity", names.entity(id));
            g.writeStringField("prov:generalEntity", names.entity(entityId));
            g.writeEndObject();
        }

        /** {@code version} is a revision of {@code previous}: PROV's wasRevisionOf. */
        void revision(String version, String previous) throws IOException {
            JsonGenerator g = relation("wasDerivedFrom", "d");
            g.writeStringField("prov:generatedEntity", names.entity(version));
            g.writeStringField("prov:usedEntity", names.entity(previous));
            g.writeFieldName("prov:type");
            ProvLiterals.qname(g, "prov:Revision");
            g.writeEndObject();
        }

        void entity(String id, Map<String, Object> props) throws IOException {
            JsonGenerator g = record("entity", names.entity(id));
            g.writeStringField("mida:id", id);
            Object type = props.get("type");
            if (type != null) {
                g.writeFieldName("prov:type");
                ProvLiterals.write(g, type, codec::toJson);
            }
            for (var p : new java.util.TreeMap<>(props).entrySet()) {
                if (p.getKey().equals("id") || p.getKey().equals("type") || p.getValue() == null) continue;
                g.writeFieldName(ProvNames.mida(p.getKey()));
                ProvLiterals.write(g, p.getValue(), codec::toJson);
            }
            g.writeEndObject();
        }

        void derivation(String derived, String source, String type) throws IOException {
            JsonGenerator g = relation("wasDerivedFrom", "d");
            g.writeStringField("prov:generatedEntity", names.entity(derived));
            g.writeStringField("prov:usedEntity", names.entity(source));
            if (type != null) {
                g.writeFieldName("prov:type");
                ProvLiterals.write(g, type, codec::toJson);
            }
            g.writeEndObject();
        }

        void agents() throws IOException {
            for (String u : users) agent(ProvNames.user(u), "prov:Person", u);
            for (String h : hosts) agent(ProvNames.host(h), "mida:Host", h);
            for (String a : adapters) agent(ProvNames.adapter(a), "prov:SoftwareAgent", a);
        }

        private void agent(String qn, String type, String name) throws IOException {
            JsonGenerator g = record("agent", qn);
            g.writeFieldName("prov:type");
            ProvLiterals.qname(g, type);
            g.writeStringField("mida:name", name);
            g.writeEndObject();
        }

        void finish() throws IOException {
            for (JsonGenerator g : gens.values()) {
                g.writeEndObject();
                g.flush();
            }
            doc.prefixes.putAll(names.generatedPrefixes());
        }
    }
}
