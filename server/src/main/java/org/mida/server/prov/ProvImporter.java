package org.mida.server.prov;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.mida.cypher.Cypher;
import org.mida.event.Event;
import org.mida.event.EventCodec;
import org.mida.event.EventStream;
import org.mida.event.InvalidEventException;
import org.mida.server.http.ApiException;
import org.mida.server.http.JsonPointers;
import org.mida.server.http.Problem;
import org.mida.server.http.ProblemType;
import org.mida.server.ingest.NodeProperties;
import org.neo4j.driver.Driver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.UnifiedJedis;

/**
 * Imports a PROV-JSON document (from MIDA, the {@code prov} package, noWorkflow, ProvLake, yProv, …).
 *
 * <p>Identifiers are expanded with the document's (and each bundle's) prefixes, so one element named
 * with two different prefixes in two documents is one node. Activities become task events (workflow or
 * campaign when {@code prov:type} says {@code mida:Workflow}/{@code mida:Campaign}); {@code used} and
 * {@code wasGeneratedBy} become the tasks' {@code used}/{@code generated} maps (an entity typed {@code
 * mida:Parameter}/{@code mida:Result} folds back into a plain value, any other into an {@code @id}
 * reference; an entity that is the specific entity of a {@code specializationOf} is a version of the
 * general one: {@code {"@id": <general>, "version": <label>}}, so a MIDA export re-imports as the same
 * versions); {@code wasInformedBy} becomes {@code dependencies}; {@code wasStartedBy} typed {@code
 * mida:partOf} (or started by a workflow/campaign activity) is membership; associations with {@code
 * urn:mida:user:}/{@code host:}/{@code adapter:} agents set {@code user}/{@code hostname}/{@code
 * adapter_id}. These events are appended to the stream, so they take the observers' write path (merge
 * semantics, idempotence). What events cannot carry is written first, directly and idempotently
 * ({@code MERGE}) in one transaction: the declared artifacts with their attributes, {@code
 * wasDerivedFrom}, other agents and their associations. What MIDA does not model ({@code
 * actedOnBehalfOf}, {@code hadMember}, relation attributes such as {@code prov:time}, …) is counted in
 * the answer's {@code ignored}. Activities no membership places go to one workflow per document (or per
 * bundle, as a sub-workflow): {@code ?workflow_id=}, else {@code prov-import-<hash of the document>}.
 */
final class ProvImporter {
    private static final Logger LOG = LoggerFactory.getLogger(ProvImporter.class);
    private static final String IMPORT_ENTITIES = Cypher.load("prov/import-entities");
    private static final String IMPORT_DERIVATIONS = Cypher.load("prov/import-derivations");
    private static final String IMPORT_AGENTS = Cypher.load("prov/import-agents");
    private static final String IMPORT_ASSOCIATIONS = Cypher.load("prov/import-associations");

    static final int EVENTS_PER_ENTRY = 1000;

    private static final Set<String> ELEMENTS = Set.of("entity", "activity", "agent");
    private static final Set<String> IGNORED_RELATIONS = Set.of(
            "wasEndedBy",
            "wasEndedby",
            "wasInvalidatedBy",
            "wasAttributedTo",
            "actedOnBehalfOf",
            "wasInfluencedBy",
            "alternateOf",
            "hadMember",
            "mentionOf");
    private static final List<String> MAPPED_RELATIONS = List.of(
            "wasStartedBy",
            "used",
            "wasGeneratedBy",
            "wasInformedBy",
            "wasAssociatedWith",
            "wasDerivedFrom",
            "specializationOf");

    /** Attributes of a version that the ingest derives (its identity, its generation): not sent with it. */
    private static final Set<String> VERSION_DERIVED =
            Set.of("id", "entity_id", "version", "generated_by", "generated_at");

    /** What separates an entity id from a version label in the id of a MIDA version. */
    private static final String VERSION_SEPARATOR = "#version=";

    private final Driver driver;
    private final UnifiedJedis redis;
    private final EventCodec codec;
    private final NodeProperties properties;
    private final EventStream stream;

    ProvImporter(Driver driver, UnifiedJedis redis, EventCodec codec, EventStream stream) {
        this.driver = driver;
        this.redis = redis;
        this.codec = codec;
        this.properties = new NodeProperties(codec);
        this.stream = stream;
    }

    ImportAnswer importDocument(String body, String workflowId, String campaignId) {
        if (body == null || body.isBlank()) throw invalid("", "the request body is empty; send a PROV-JSON document");
        JsonNode root;
        try {
            root = codec.mapper().readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("the body is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) throw invalid("", "a PROV-JSON document must be a JSON object");
        var run = new Run(root, workflowId, campaignId);
        run.read();
        return run.write();
    }

    static ApiException invalid(String pointer, String detail) {
        return new ApiException(
                ProblemType.INVALID_REQUEST,
                "not a valid PROV-JSON document: " + (pointer.isEmpty() ? "" : "at " + pointer + ": ") + detail,
                List.of(Problem.Error.at(pointer, detail)));
    }

    static String pointer(String... parts) {
        return JsonPointers.of((Object[]) parts);
    }

    /** Prefixes in scope: a container's own, then its parent's, then the predefined ones. */
    private record Scope(Map<String, String> prefixes, String defaultNs, Scope parent) {
        String namespace(String prefix) {
            for (Scope s = this; s != null; s = s.parent) {
                String ns = s.prefixes.get(prefix);
                if (ns != null) return ns;
            }
            return switch (prefix) {
                case "prov" -> ProvNames.PROV_NS;
                case "xsd" -> ProvNames.XSD_NS;
                default -> null;
            };
        }

        String defaultNamespace() {
            for (Scope s = this; s != null; s = s.parent) if (s.defaultNs != null) return s.defaultNs;
            return null;
        }
    }

    private enum Kind {
        TASK,
        WORKFLOW,
        CAMPAIGN
    }

    private static final class Activity {
        final String iri;
        Kind kind;
        final String pointer;
        final String bundle;
        final Map<String, Object> fields = new LinkedHashMap<>();
        final Map<String, Object> custom = new LinkedHashMap<>();
        final Map<String, Object> used = new LinkedHashMap<>();
        final Map<String, Object> generated = new LinkedHashMap<>();
        final List<String> dependencies = new ArrayList<>();
        String container; // IRI of the workflow/campaign activity it is part of
        Double start, end;

        Activity(String iri, Kind kind, String pointer, String bundle) {
            this.iri = iri;
            this.kind = kind;
            this.pointer = pointer;
            this.bundle = bundle;
        }
    }

    private static final class Entity {
        final String iri;
        String id;
        final boolean declared;
        boolean value; // a parameter/result: folds into the activity's map
        boolean linked; // some used/wasGeneratedBy names it
        boolean generated; // some wasGeneratedBy names it
        Entity general; // the entity it is a specializationOf: it is a version of that entity
        Object literal;
        final Map<String, Object> props = new TreeMap<>();

        Entity(String iri, boolean declared) {
            this.iri = iri;
            this.declared = declared;
        }
    }

    private final class Run {
        final JsonNode root;
        final String workflowParam, campaignParam;
        final String hash;
        final Map<String, Activity> activities = new LinkedHashMap<>();
        final Map<String, Entity> entities = new LinkedHashMap<>();
        final Map<String, Map<String, Object>> agents = new LinkedHashMap<>(); // foreign agents
        final List<Map<String, Object>> associations = new ArrayList<>();
        final List<Map<String, Object>> derivations = new ArrayList<>();
        final Map<String, Integer> ignored = new TreeMap<>();
        final Map<String, Integer> relations = new TreeMap<>();
        final List<Object[]> deferred = new ArrayList<>(); // relations, read after every element
        int parameters, bundles;

        Run(JsonNode root, String workflowParam, String campaignParam) {
            this.root = root;
            this.workflowParam = blankToNull(workflowParam);
            this.campaignParam = blankToNull(campaignParam);
            this.hash = contentHash(root);
        }

        void read() {
            Scope top = container(root, "", null, null);
            JsonNode b = root.get("bundle");
            if (b != null) {
                if (!b.isObject()) throw invalid("/bundle", "\"bundle\" must be an object of bundles");
                var it = b.fields();
                while (it.hasNext()) {
                    var e = it.next();
                    String ptr = pointer("bundle", e.getKey());
                    if (!e.getValue().isObject()) throw invalid(ptr, "a bundle must be a JSON object");
                    Scope inner = prefixes(e.getValue(), ptr, top);
                    String bundleIri = expand(e.getKey(), inner, ptr);
                    container(e.getValue(), ptr, top, bundleIri);
                    bundles++;
                }
            }
            // specializations first (they make versions), then generations (a version generated in the
            // document takes its attributes there), then the rest in document order
            deferred.sort(java.util.Comparator.comparingInt(r -> switch ((String) r[0]) {
                case "specializationOf" -> 0;
                case "wasGeneratedBy" -> 1;
                default -> 2;
            }));
            for (Object[] r : deferred) relation((String) r[0], (String) r[1], (JsonNode) r[2], (Scope) r[3]);
        }

        /** The general entity a version specializes (through chains of specializations), or null. */
        Entity general(Entity en) {
            Entity g = en.general;
            for (int i = 0; g != null && g.general != null && i < 100; i++) g = g.general;
            return g;
        }

        /**
         * The version label of an entity that specializes {@code general}: its {@code mida:version}, else
         * the part of its id after {@code <general id>#version=}, else its whole id.
         */
        String label(Entity en, Entity general) {
            Object v = en.props.get("version");
            if (v instanceof String s && !s.isBlank()) return s;
            if (v instanceof Number || v instanceof Boolean) return String.valueOf(v);
            String prefix = general.id + VERSION_SEPARATOR;
            if (en.id.startsWith(prefix) && en.id.length() > prefix.length()) return en.id.substring(prefix.length());
            return en.id;
        }

        /**
         * The reference an activity's {@code used}/{@code generated} gets for an artifact. A version
         * becomes a reference to its general entity naming the version, with the version's attributes
         * when this is its generation (or when the document has none: a version that came from outside).
         */
        Map<String, Object> reference(Entity en, boolean generation) {
            Map<String, Object> ref = new LinkedHashMap<>();
            Entity general = general(en);
            if (general == null) {
                ref.put("@id", en.id);
                return ref;
            }
            ref.put("@id", general.id);
            ref.put("version", label(en, general));
            if (generation || !en.generated) {
                for (var p : en.props.entrySet()) {
                    if (VERSION_DERIVED.contains(p.getKey())) continue;
                    if (p.getKey().equals("type")) {
                        if (p.getValue() instanceof String t) ref.put("@type", t);
                    } else ref.put(p.getKey(), p.getValue());
                }
            }
            return ref;
        }

        /** Reads a container's prefixes and elements, and queues its relations. */
        Scope container(JsonNode c, String base, Scope parent, String bundle) {
            Scope scope = parent == null ? prefixes(c, base, null) : prefixes(c, base, parent);
            var it = c.fields();
            while (it.hasNext()) {
                var e = it.next();
                String key = e.getKey();
                String ptr = base + pointer(key);
                if (key.equals("prefix") || (key.equals("bundle") && bundle == null)) continue;
                if (!e.getValue().isObject())
                    throw invalid(ptr, "\"" + key + "\" must be an object keyed by identifier");
                if (ELEMENTS.contains(key)) {
                    forEachRecord(e.getValue(), ptr, (id, rec, rp) -> element(key, id, rec, rp, scope, bundle));
                } else if (MAPPED_RELATIONS.contains(key) || IGNORED_RELATIONS.contains(key)) {
                    forEachRecord(e.getValue(), ptr, (id, rec, rp) -> deferred.add(new Object[] {key, rp, rec, scope}));
                } else {
                    throw invalid(
                            ptr,
                            "\"" + key + "\" is not a PROV-JSON key (expected prefix, entity, activity,"
                                    + " agent, a PROV relation such as used or wasGeneratedBy, or bundle)");
                }
            }
            return scope;
        }

        Scope prefixes(JsonNode c, String base, Scope parent) {
            JsonNode p = c.get("prefix");
            var map = new LinkedHashMap<String, String>();
            String dflt = null;
            if (p != null) {
                if (!p.isObject()) throw invalid(base + "/prefix", "\"prefix\" must be an object of prefix → IRI");
                var it = p.fields();
                while (it.hasNext()) {
                    var e = it.next();
                    if (!e.getValue().isTextual())
                        throw invalid(base + pointer("prefix", e.getKey()), "a namespace must be an IRI string");
                    if (e.getKey().equals("default")) dflt = e.getValue().asText();
                    else map.put(e.getKey(), e.getValue().asText());
                }
            }
            return new Scope(map, dflt, parent);
        }

        interface RecordVisitor {
            void visit(String id, JsonNode record, String pointer);
        }

        void forEachRecord(JsonNode section, String ptr, RecordVisitor v) {
            var it = section.fields();
            while (it.hasNext()) {
                var e = it.next();
                String rp = ptr + pointer(e.getKey());
                JsonNode val = e.getValue();
                if (val.isObject()) v.visit(e.getKey(), val, rp);
                else if (val.isArray()) {
                    for (int i = 0; i < val.size(); i++) {
                        if (!val.get(i).isObject()) throw invalid(rp + "/" + i, "a record must be a JSON object");
                        v.visit(e.getKey(), val.get(i), rp + "/" + i);
                    }
                } else throw invalid(rp, "a record must be a JSON object (or an array of them)");
            }
        }

        /** Expands a QName with the prefixes in scope into an IRI. */
        String expand(String qname, Scope scope, String ptr) {
            if (qname.isEmpty()) throw invalid(ptr, "an identifier must not be empty");
            if (qname.startsWith("_:")) return "urn:mida:blank:" + hash + ":" + qname.substring(2);
            int colon = qname.indexOf(':');
            if (colon < 0) {
                String ns = scope.defaultNamespace();
                if (ns == null)
                    throw invalid(ptr, "'" + qname + "' has no prefix and the document declares no default namespace");
                return ns + qname;
            }
            String prefix = qname.substring(0, colon);
            String ns = scope.namespace(prefix);
            if (ns != null) return ns + qname.substring(colon + 1);
            if (qname.startsWith("urn:") || qname.contains("://")) return qname;
            throw invalid(ptr, "the prefix '" + prefix + "' of '" + qname + "' is not declared in \"prefix\"");
        }

        void element(String section, String id, JsonNode rec, String ptr, Scope scope, String bundle) {
            String iri = expand(id, scope, ptr);
            switch (section) {
                case "activity" -> activity(iri, rec, ptr, scope, bundle);
                case "entity" -> entity(iri, rec, ptr, scope);
                default -> agent(iri, rec, ptr, scope);
            }
        }

        void activity(String iri, JsonNode rec, String ptr, Scope scope, String bundle) {
            Kind kind = iri.startsWith(ProvNames.WORKFLOW_NS)
                    ? Kind.WORKFLOW
                    : iri.startsWith(ProvNames.CAMPAIGN_NS) ? Kind.CAMPAIGN : Kind.TASK;
            Activity a = activities.computeIfAbsent(iri, k -> new Activity(k, kind, ptr, bundle));
            var it = rec.fields();
            while (it.hasNext()) {
                var e = it.next();
                String ap = ptr + pointer(e.getKey());
                String attr = expand(e.getKey(), scope, ap);
                switch (attr) {
                    case ProvNames.PROV_NS + "startTime" -> a.start = time(e.getValue(), ap);
                    case ProvNames.PROV_NS + "endTime" -> a.end = time(e.getValue(), ap);
                    case ProvNames.PROV_NS + "type" -> {
                        Object t = value(e.getValue(), scope, ap);
                        for (Object one : t instanceof List<?> l ? l : List.of(t)) {
                            if ((ProvNames.MIDA_NS + "Workflow").equals(one)) a.kind = Kind.WORKFLOW;
                            else if ((ProvNames.MIDA_NS + "Campaign").equals(one)) a.kind = Kind.CAMPAIGN;
                            else if (!(ProvNames.MIDA_NS + "Task").equals(one)) a.custom.put("prov:type", t);
                        }
                    }
                    case ProvNames.PROV_NS + "label" -> a.custom.put("prov:label", value(e.getValue(), scope, ap));
                    default -> {
                        Object v = value(e.getValue(), scope, ap);
                        if (attr.startsWith(ProvNames.MIDA_NS)) {
                            String field = ProvNames.decode(attr.substring(ProvNames.MIDA_NS.length()));
                            if (!field.equals("duration")) a.fields.put(field, v);
                        } else a.custom.put(attr, v);
                    }
                }
            }
        }

        void entity(String iri, JsonNode rec, String ptr, Scope scope) {
            Entity en = entities.computeIfAbsent(iri, k -> new Entity(k, true));
            en.id = iri.startsWith(ProvNames.ENTITY_NS)
                    ? ProvNames.decode(iri.substring(ProvNames.ENTITY_NS.length()))
                    : iri;
            var it = rec.fields();
            while (it.hasNext()) {
                var e = it.next();
                String ap = ptr + pointer(e.getKey());
                String attr = expand(e.getKey(), scope, ap);
                Object v = value(e.getValue(), scope, ap);
                switch (attr) {
                    case ProvNames.PROV_NS + "type" -> {
                        if ((ProvNames.MIDA_NS + "Parameter").equals(v) || (ProvNames.MIDA_NS + "Result").equals(v))
                            en.value = true;
                        else en.props.put("type", v instanceof List<?> l ? codec.toJson(l) : v);
                    }
                    case ProvNames.PROV_NS + "value" -> {
                        en.literal = v;
                        en.props.put("prov:value", v);
                    }
                    case ProvNames.PROV_NS + "label" -> en.props.put("prov:label", v);
                    case ProvNames.MIDA_NS + "id" -> {
                        if (!(v instanceof String s) || s.isEmpty())
                            throw invalid(ap, "mida:id must be a non-empty string");
                        en.id = s;
                    }
                    default -> {
                        String key = attr.startsWith(ProvNames.MIDA_NS)
                                ? ProvNames.decode(attr.substring(ProvNames.MIDA_NS.length()))
                                : attr;
                        en.props.put(key, v);
                    }
                }
            }
            if (en.value) en.props.remove("prov:value");
        }

        void agent(String iri, JsonNode rec, String ptr, Scope scope) {
            if (iri.startsWith(ProvNames.USER_NS)
                    || iri.startsWith(ProvNames.HOST_NS)
                    || iri.startsWith(ProvNames.ADAPTER_NS)) return; // become task fields through associations
            var a = agents.computeIfAbsent(iri, k -> {
                var m = new LinkedHashMap<String, Object>();
                m.put("id", k);
                m.put("kind", null);
                m.put("name", null);
                return m;
            });
            var it = rec.fields();
            while (it.hasNext()) {
                var e = it.next();
                String ap = ptr + pointer(e.getKey());
                String attr = expand(e.getKey(), scope, ap);
                Object v = value(e.getValue(), scope, ap);
                if (attr.equals(ProvNames.PROV_NS + "type") && v instanceof String s) {
                    int cut = Math.max(s.lastIndexOf('#'), s.lastIndexOf('/'));
                    a.put("kind", cut >= 0 ? s.substring(cut + 1) : s);
                } else if ((attr.equals(ProvNames.PROV_NS + "label") || attr.equals(ProvNames.MIDA_NS + "name"))
                        && v instanceof String s) a.put("name", s);
                else ignore("agent." + e.getKey());
            }
        }

        Activity activityRef(String iri, String ptr) {
            return activities.computeIfAbsent(
                    iri,
                    k -> new Activity(
                            k,
                            k.startsWith(ProvNames.WORKFLOW_NS)
                                    ? Kind.WORKFLOW
                                    : k.startsWith(ProvNames.CAMPAIGN_NS) ? Kind.CAMPAIGN : Kind.TASK,
                            ptr,
                            null));
        }

        Entity entityRef(String iri) {
            return entities.computeIfAbsent(iri, k -> {
                Entity en = new Entity(k, false);
                en.id = k.startsWith(ProvNames.ENTITY_NS)
                        ? ProvNames.decode(k.substring(ProvNames.ENTITY_NS.length()))
                        : k;
                return en;
            });
        }

        /** A required (or optional) QName-valued formal attribute, expanded. */
        String endpoint(JsonNode rec, String attr, String ptr, Scope scope, boolean required) {
            JsonNode v = rec.get(attr);
            String ap = ptr + pointer(attr);
            if (v == null || v.isNull()) {
                if (required) throw invalid(ptr, "the relation needs \"" + attr + "\" (it points nowhere)");
                return null;
            }
            if (v.isArray() && v.size() == 1) v = v.get(0);
            if (!v.isTextual()) throw invalid(ap, "\"" + attr + "\" must be an identifier string");
            return expand(v.asText(), scope, ap);
        }

        void relation(String section, String ptr, JsonNode rec, Scope scope) {
            if (IGNORED_RELATIONS.contains(section)) {
                ignore(section.equals("wasEndedby") ? "wasEndedBy" : section);
                return;
            }
            Set<String> consumed = new java.util.HashSet<>(Set.of("prov:type", "prov:role"));
            switch (section) {
                case "used", "wasGeneratedBy" -> {
                    boolean used = section.equals("used");
                    String actIri = endpoint(rec, "prov:activity", ptr, scope, used);
                    String entIri = endpoint(rec, "prov:entity", ptr, scope, true);
                    consumed.addAll(Set.of("prov:activity", "prov:entity"));
                    if (actIri == null) {
                        ignore(section + " without prov:activity");
                        return;
                    }
                    Activity a = activityRef(actIri, ptr);
                    Entity en = entityRef(entIri);
                    en.linked = true;
                    if (!used) en.generated = true;
                    Object roleV = rec.has("prov:role") ? value(rec.get("prov:role"), scope, ptr + "/prov:role") : null;
                    // a generation under several roles (MIDA writes one record per version) is each of them
                    List<?> roles =
                            roleV instanceof List<?> l && !l.isEmpty() ? l : java.util.Collections.singletonList(roleV);
                    Map<String, Object> target = used ? a.used : a.generated;
                    if (en.value) {
                        String role = roles.get(0) == null ? null : String.valueOf(roles.get(0));
                        String key = role != null ? role : en.iri;
                        target.put(key, en.literal);
                        parameters++;
                    } else
                        for (Object r : roles) {
                            String key = r != null ? String.valueOf(r) : "entity";
                            Map<String, Object> ref = reference(en, !used);
                            Object old = target.get(key);
                            if (old == null) target.put(key, ref);
                            else if (old instanceof List<?> l) {
                                @SuppressWarnings("unchecked")
                                List<Object> list = (List<Object>) l;
                                if (!list.contains(ref)) list.add(ref);
                            } else if (!old.equals(ref)) target.put(key, new ArrayList<>(List.of(old, ref)));
                        }
                }
                case "wasInformedBy" -> {
                    String informed = endpoint(rec, "prov:informed", ptr, scope, true);
                    String informant = endpoint(rec, "prov:informant", ptr, scope, true);
                    consumed.addAll(Set.of("prov:informed", "prov:informant"));
                    Activity a = activityRef(informed, ptr), b = activityRef(informant, ptr);
                    if (a.kind != Kind.TASK || b.kind != Kind.TASK) {
                        ignore("wasInformedBy between workflows");
                        return;
                    }
                    String dep = taskId(b.iri);
                    if (!a.dependencies.contains(dep)) a.dependencies.add(dep);
                }
                case "wasStartedBy" -> {
                    String act = endpoint(rec, "prov:activity", ptr, scope, true);
                    String starter = endpoint(rec, "prov:starter", ptr, scope, false);
                    consumed.addAll(Set.of("prov:activity", "prov:starter"));
                    Object type = rec.has("prov:type") ? value(rec.get("prov:type"), scope, ptr + "/prov:type") : null;
                    Activity s = starter == null ? null : activities.get(starter);
                    boolean membership = starter != null
                            && ((ProvNames.MIDA_NS + "partOf").equals(type)
                                    || starter.startsWith(ProvNames.WORKFLOW_NS)
                                    || starter.startsWith(ProvNames.CAMPAIGN_NS)
                                    || (s != null && s.kind != Kind.TASK));
                    if (!membership) {
                        ignore("wasStartedBy");
                        return;
                    }
                    Activity container = activityRef(starter, ptr);
                    if (container.kind == Kind.TASK) container.kind = Kind.WORKFLOW;
                    activityRef(act, ptr).container = starter;
                }
                case "wasAssociatedWith" -> {
                    String act = endpoint(rec, "prov:activity", ptr, scope, true);
                    String agent = endpoint(rec, "prov:agent", ptr, scope, false);
                    consumed.addAll(Set.of("prov:activity", "prov:agent"));
                    if (agent == null) {
                        ignore("wasAssociatedWith without prov:agent");
                        return;
                    }
                    Activity a = activityRef(act, ptr);
                    if (agent.startsWith(ProvNames.USER_NS))
                        a.fields.put("user", decodeAfter(agent, ProvNames.USER_NS));
                    else if (agent.startsWith(ProvNames.HOST_NS))
                        a.fields.put("hostname", decodeAfter(agent, ProvNames.HOST_NS));
                    else if (agent.startsWith(ProvNames.ADAPTER_NS))
                        a.fields.put("adapter_id", decodeAfter(agent, ProvNames.ADAPTER_NS));
                    else {
                        agents.computeIfAbsent(agent, k -> {
                            var m = new LinkedHashMap<String, Object>();
                            m.put("id", k);
                            m.put("kind", null);
                            m.put("name", null);
                            return m;
                        });
                        Object roleV =
                                rec.has("prov:role") ? value(rec.get("prov:role"), scope, ptr + "/prov:role") : null;
                        var row = new LinkedHashMap<String, Object>();
                        row.put("activity", a);
                        row.put("agent", agent);
                        row.put("role", roleV == null ? "agent" : String.valueOf(roleV));
                        associations.add(row);
                    }
                    if (rec.has("prov:plan")) ignore("wasAssociatedWith.prov:plan");
                    consumed.add("prov:plan");
                }
                case "wasDerivedFrom" -> {
                    String derived = endpoint(rec, "prov:generatedEntity", ptr, scope, true);
                    String source = endpoint(rec, "prov:usedEntity", ptr, scope, true);
                    consumed.addAll(Set.of("prov:generatedEntity", "prov:usedEntity"));
                    Entity d = entityRef(derived), s = entityRef(source);
                    if (d.value || s.value) {
                        ignore("wasDerivedFrom involving a parameter");
                        return;
                    }
                    Object type = rec.has("prov:type") ? value(rec.get("prov:type"), scope, ptr + "/prov:type") : null;
                    Entity dg = general(d), sg = general(s);
                    if (dg != null && dg == sg && (ProvNames.PROV_NS + "Revision").equals(type)) {
                        // a revision between versions of one entity: their generation times order them
                        relations.merge(section, 1, Integer::sum);
                        return;
                    }
                    // a derivation of (or from) a version links the entities it is a version of
                    if (dg != null) d = dg;
                    if (sg != null) s = sg;
                    var row = new LinkedHashMap<String, Object>();
                    row.put("derived", d);
                    row.put("source", s);
                    row.put("type", type == null ? null : String.valueOf(type));
                    derivations.add(row);
                }
                case "specializationOf" -> {
                    String specific = endpoint(rec, "prov:specificEntity", ptr, scope, true);
                    String general = endpoint(rec, "prov:generalEntity", ptr, scope, true);
                    consumed.addAll(Set.of("prov:specificEntity", "prov:generalEntity"));
                    Entity sp = entityRef(specific), g = entityRef(general);
                    if (sp.value || g.value) {
                        ignore("specializationOf involving a parameter");
                        return;
                    }
                    if (sp.general != null || sp == g || general(g) == sp) {
                        ignore("specializationOf of an entity that is already a version");
                        return;
                    }
                    sp.general = g;
                }
                default -> throw new IllegalStateException(section);
            }
            relations.merge(section, 1, Integer::sum);
            var it = rec.fieldNames();
            while (it.hasNext()) {
                String attr = it.next();
                if (!consumed.contains(attr)) ignore(section + "." + attr);
            }
        }

        void ignore(String what) {
            ignored.merge(what, 1, Integer::sum);
        }

        String taskId(String iri) {
            return iri.startsWith(ProvNames.TASK_NS) ? decodeAfter(iri, ProvNames.TASK_NS) : iri;
        }

        String workflowIdOf(String iri) {
            return iri.startsWith(ProvNames.WORKFLOW_NS) ? decodeAfter(iri, ProvNames.WORKFLOW_NS) : iri;
        }

        String campaignIdOf(String iri) {
            return iri.startsWith(ProvNames.CAMPAIGN_NS) ? decodeAfter(iri, ProvNames.CAMPAIGN_NS) : iri;
        }

        /** Builds the events, writes what they cannot carry, appends the events to the stream. */
        ImportAnswer write() {
            String defaultWorkflow = workflowParam != null ? workflowParam : "prov-import-" + hash;
            boolean defaultUsed = false;
            var events = new ArrayList<Map<String, Object>>();
            var bundleWorkflows = new LinkedHashMap<String, String>();
            int tasks = 0, workflows = 0, campaigns = 0;
            for (Activity a : activities.values()) {
                if (a.kind == Kind.CAMPAIGN) {
                    campaigns++;
                    continue;
                }
                var m = new LinkedHashMap<String, Object>(a.fields);
                if (!a.custom.isEmpty()) {
                    @SuppressWarnings("unchecked")
                    var custom = m.get("custom_metadata") instanceof Map<?, ?> c
                            ? new LinkedHashMap<>((Map<String, Object>) c)
                            : new LinkedHashMap<String, Object>();
                    custom.putAll(a.custom);
                    m.put("custom_metadata", custom);
                }
                if (a.start != null) m.putIfAbsent("started_at", a.start);
                if (a.end != null) m.putIfAbsent("ended_at", a.end);
                if (!a.used.isEmpty()) m.put("used", a.used);
                if (!a.generated.isEmpty()) m.put("generated", a.generated);
                Activity container = a.container == null ? null : activities.get(a.container);
                if (a.kind == Kind.TASK) {
                    tasks++;
                    m.put("type", "task");
                    m.put("task_id", taskId(a.iri));
                    if (!a.dependencies.isEmpty()) m.put("dependencies", a.dependencies);
                    if (container != null) m.put("workflow_id", workflowIdOf(container.iri));
                    else if (m.get("workflow_id") == null) {
                        if (a.bundle != null) {
                            m.put("workflow_id", bundleWorkflows.computeIfAbsent(a.bundle, this::workflowIdOf));
                        } else m.put("workflow_id", defaultWorkflow);
                        defaultUsed = true;
                    }
                    if (campaignParam != null) m.putIfAbsent("campaign_id", campaignParam);
                } else {
                    workflows++;
                    m.put("type", "workflow");
                    m.put("workflow_id", workflowIdOf(a.iri));
                    if (container != null && container.kind == Kind.CAMPAIGN)
                        m.put("campaign_id", campaignIdOf(container.iri));
                    else if (container != null) m.put("parent_workflow_id", workflowIdOf(container.iri));
                    if (campaignParam != null) m.putIfAbsent("campaign_id", campaignParam);
                }
                check(m, a.pointer);
                events.add(m);
            }
            if (defaultUsed) {
                for (String bundleWf : bundleWorkflows.values()) {
                    var m = new LinkedHashMap<String, Object>();
                    m.put("type", "workflow");
                    m.put("workflow_id", bundleWf);
                    m.put("parent_workflow_id", defaultWorkflow);
                    if (campaignParam != null) m.put("campaign_id", campaignParam);
                    check(m, "/bundle");
                    events.add(m);
                }
                var m = new LinkedHashMap<String, Object>();
                m.put("type", "workflow");
                m.put("workflow_id", defaultWorkflow);
                m.put("name", "PROV import");
                if (campaignParam != null) m.put("campaign_id", campaignParam);
                check(m, "");
                events.add(m);
            }

            var entityRows = new ArrayList<Map<String, Object>>();
            int unusedValues = 0, unlinkedVersions = 0;
            for (Entity en : entities.values()) {
                if (en.value) {
                    continue;
                }
                if (!en.declared) continue;
                if (general(en) != null) {
                    // a version: the events carry it (its attributes with its generation); one no activity
                    // of the document used or generated cannot be recreated
                    if (!en.linked) unlinkedVersions++;
                    continue;
                }
                var attributes = new LinkedHashMap<String, Object>(en.props);
                Object type = attributes.remove("type");
                entityRows.add(Map.of("id", en.id, "props", properties.entity(type, attributes)));
            }
            for (Entity en : entities.values()) if (en.value && !en.linked) unusedValues++;
            if (unusedValues > 0) ignored.merge("parameter entities no activity uses", unusedValues, Integer::sum);
            if (unlinkedVersions > 0)
                ignored.merge("versions no activity used or generated", unlinkedVersions, Integer::sum);
            var derivationRows = new ArrayList<Map<String, Object>>();
            for (var d : derivations) {
                var row = new LinkedHashMap<String, Object>();
                row.put("derived", ((Entity) d.get("derived")).id);
                row.put("source", ((Entity) d.get("source")).id);
                row.put("type", d.get("type"));
                derivationRows.add(row);
            }
            var associationRows = new ArrayList<Map<String, Object>>();
            for (var r : associations) {
                Activity a = (Activity) r.get("activity");
                if (a.kind == Kind.CAMPAIGN) {
                    ignored.merge("wasAssociatedWith of a campaign", 1, Integer::sum);
                    continue;
                }
                var row = new LinkedHashMap<String, Object>();
                row.put("kind", a.kind == Kind.TASK ? "task" : a.kind == Kind.WORKFLOW ? "workflow" : "campaign");
                row.put("id", a.kind == Kind.TASK ? taskId(a.iri) : workflowIdOf(a.iri));
                row.put("agent", r.get("agent"));
                row.put("role", r.get("role"));
                associationRows.add(row);
            }
            var agentRows = new ArrayList<Map<String, Object>>(agents.values());

            // what events cannot carry, first and in one transaction, so the ingest finds it
            if (!entityRows.isEmpty() || !derivationRows.isEmpty() || !agentRows.isEmpty()) {
                try (var session = driver.session()) {
                    session.executeWriteWithoutResult(tx -> {
                        if (!entityRows.isEmpty())
                            tx.run(IMPORT_ENTITIES, Map.of("rows", entityRows)).consume();
                        if (!derivationRows.isEmpty())
                            tx.run(IMPORT_DERIVATIONS, Map.of("rows", derivationRows))
                                    .consume();
                        if (!agentRows.isEmpty())
                            tx.run(IMPORT_AGENTS, Map.of("rows", agentRows)).consume();
                        if (!associationRows.isEmpty())
                            tx.run(IMPORT_ASSOCIATIONS, Map.of("rows", associationRows))
                                    .consume();
                    });
                }
            }
            var entryIds = new ArrayList<String>();
            for (int i = 0; i < events.size(); i += EVENTS_PER_ENTRY) {
                var chunk = events.subList(i, Math.min(events.size(), i + EVENTS_PER_ENTRY));
                StreamEntryID id = stream.append(redis, codec.toJson(chunk));
                entryIds.add(id.toString());
            }
            LOG.info(
                    "PROV import: {} tasks, {} workflows, {} artifacts, {} agents, {} events in {} stream entries",
                    tasks,
                    workflows,
                    entityRows.size(),
                    agentRows.size(),
                    events.size(),
                    entryIds.size());

            int artifacts = 0;
            for (Entity en : entities.values()) if (!en.value) artifacts++;
            var imported = new ImportAnswer.Imported(
                    tasks + workflows + campaigns,
                    tasks,
                    workflows,
                    campaigns,
                    artifacts,
                    parameters,
                    agentRows.size() + countMidaAgents(),
                    relations.values().stream().mapToInt(Integer::intValue).sum(),
                    relations);
            return new ImportAnswer(
                    imported,
                    ignored,
                    defaultUsed ? defaultWorkflow : workflowParam,
                    bundles,
                    events.size(),
                    stream.name(),
                    entryIds);
        }

        private int countMidaAgents() {
            var seen = new java.util.HashSet<String>();
            for (Activity a : activities.values()) {
                for (String f : List.of("user", "hostname", "adapter_id"))
                    if (a.fields.get(f) instanceof String s) seen.add(f + ":" + s);
            }
            return seen.size();
        }

        /** Validates an event with the wire codec; a bad one is a 400 at the record it came from. */
        private void check(Map<String, Object> m, String ptr) {
            try {
                Event e = codec.decodeEvent(m);
                if (e == null) throw new InvalidEventException("empty");
            } catch (InvalidEventException e) {
                throw invalid(ptr, "cannot become a MIDA " + m.get("type") + ": " + e.getMessage());
            }
        }

        private Double time(JsonNode v, String ptr) {
            String text = v.isTextual()
                    ? v.asText()
                    : v.isObject() && v.has("$") ? v.get("$").asText() : null;
            if (text == null) throw invalid(ptr, "a time must be an xsd:dateTime string");
            try {
                return ProvLiterals.epochSeconds(text);
            } catch (RuntimeException e) {
                throw invalid(ptr, "'" + text + "' is not an xsd:dateTime (e.g. 2024-11-23T22:13:20.5Z)");
            }
        }

        /** A PROV-JSON attribute value as a Java value (arrays: a list of values). */
        Object value(JsonNode v, Scope scope, String ptr) {
            if (v.isArray()) {
                if (v.isEmpty()) throw invalid(ptr, "an attribute value array must not be empty");
                var out = new ArrayList<Object>(v.size());
                for (int i = 0; i < v.size(); i++) out.add(value(v.get(i), scope, ptr + "/" + i));
                return out.size() == 1 ? out.get(0) : out;
            }
            if (v.isTextual()) return v.asText();
            if (v.isBoolean()) return v.asBoolean();
            if (v.isIntegralNumber()) return v.canConvertToLong() ? (Object) v.asLong() : v.bigIntegerValue();
            if (v.isNumber()) return v.asDouble();
            if (v.isNull()) throw invalid(ptr, "an attribute value must not be null");
            if (!v.isObject() || !v.has("$"))
                throw invalid(ptr, "a typed literal must be an object with \"$\" (and \"type\" or \"lang\")");
            JsonNode d = v.get("$");
            String lex =
                    d.isValueNode() ? d.asText() : codec.toJson(codec.mapper().convertValue(d, Object.class));
            if (!v.has("type")) return lex;
            if (!v.get("type").isTextual()) throw invalid(ptr + "/type", "a datatype must be a QName string");
            String type = expand(v.get("type").asText(), scope, ptr + "/type");
            try {
                return switch (type) {
                    case ProvNames.XSD_NS + "long",
                            ProvNames.XSD_NS + "int",
                            ProvNames.XSD_NS + "integer",
                            ProvNames.XSD_NS + "short",
                            ProvNames.XSD_NS + "byte",
                            ProvNames.XSD_NS + "nonNegativeInteger",
                            ProvNames.XSD_NS + "positiveInteger",
                            ProvNames.XSD_NS + "negativeInteger",
                            ProvNames.XSD_NS + "nonPositiveInteger",
                            ProvNames.XSD_NS + "unsignedLong",
                            ProvNames.XSD_NS + "unsignedInt",
                            ProvNames.XSD_NS + "unsignedShort",
                            ProvNames.XSD_NS + "unsignedByte" -> {
                        BigInteger b = new BigInteger(lex.trim());
                        yield b.bitLength() < 64 ? (Object) b.longValue() : b.toString();
                    }
                    case ProvNames.XSD_NS + "double", ProvNames.XSD_NS + "float" -> ProvLiterals.parseXsdDouble(lex);
                    case ProvNames.XSD_NS + "decimal" -> new BigDecimal(lex.trim()).doubleValue();
                    case ProvNames.XSD_NS + "boolean" -> {
                        String t = lex.trim();
                        if (t.equals("true") || t.equals("1")) yield true;
                        if (t.equals("false") || t.equals("0")) yield false;
                        throw new NumberFormatException();
                    }
                    case ProvNames.RDF_NS + "JSON" -> codec.parse(lex);
                    case ProvNames.XSD_NS + "QName", ProvNames.PROV_NS + "QUALIFIED_NAME" -> expand(lex, scope, ptr);
                    default -> lex;
                };
            } catch (ApiException e) {
                throw e;
            } catch (Exception e) {
                throw invalid(
                        ptr, "'" + lex + "' is not a valid " + v.get("type").asText());
            }
        }
    }

    private static String decodeAfter(String iri, String ns) {
        return ProvNames.decode(iri.substring(ns.length()));
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    /** A stable hash of the document's content (key order and whitespace do not matter). */
    private String contentHash(JsonNode root) {
        try {
            Object tree = codec.mapper().convertValue(root, Object.class);
            byte[] canonical = codec.mapper()
                    .writer()
                    .with(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
                    .writeValueAsBytes(tree);
            byte[] d = MessageDigest.getInstance("SHA-256").digest(canonical);
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            return HexFormat.of().formatHex(root.toString().getBytes(StandardCharsets.UTF_8), 0, 8);
        }
    }
}
