package org.mida.server.fields;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import org.mida.cypher.Cypher;
import org.mida.cypher.query.Fields;
import org.neo4j.driver.Driver;

/**
 * The ingest's memory of which flattened keys each scope already made queryable, so the per-campaign
 * bound costs no scan. A scope is a campaign ({@code c:<campaign_id>}), or for a task or workflow without
 * one its workflow ({@code w:<workflow_id>}). The registry lives in the graph as {@code (:Field {scope,
 * name})} nodes (written by the ingest's {@code fields/register} step in the batch's own transaction);
 * this class caches each scope's names after reading them once, and learns the names a batch registered
 * once that batch is committed. The bound itself is the ingest's ({@code NodeProperties}). Names are only ever added, so the cache never holds a name the graph
 * lacks. Thread-safe.
 *
 * <p>Several ingesting servers each keep their own cache, which may lack the keys another registered
 * since it read a scope. The ingest therefore plans a batch that registers keys in a scope, or that the
 * scope's bound refused a key, on {@link #reread} of that scope under the scope's lock (see {@code
 * BatchWriter}): the bound holds across servers, and a batch that needs neither only used names its cache
 * already had.
 *
 * <pre>{@code
 * var registry = new FieldRegistry();
 * Map<String, Set<String>> known = registry.registered(tx, List.of(FieldRegistry.scope("c1", "wf-1")));
 * // … after the batch that registered rows [{scope, name}] committed:
 * registry.committed(rows);
 * }</pre>
 */
public final class FieldRegistry {
    private static final String READ = Cypher.load("fields/read-registered");
    private static final String NEEDS_BACKFILL = Cypher.load("fields/needs-backfill");
    private static final String BACKFILL = Cypher.load("fields/backfill");

    private final Map<String, Set<String>> cache = new ConcurrentHashMap<>();

    /**
     * Registers the flattened keys of a store written before the registry existed, once: only while no
     * {@code Field} node exists. Run at start, before the ingest; returns whether it ran.
     */
    public static boolean backfill(Driver driver) {
        try (var session = driver.session()) {
            boolean needed = session.executeRead(
                    tx -> tx.run(NEEDS_BACKFILL).single().get("needed").asBoolean());
            if (!needed) return false;
            // CALL … IN TRANSACTIONS runs in an auto-commit transaction
            session.run(
                            BACKFILL,
                            Map.of(
                                    "task", List.copyOf(Fields.TASK_PROPERTIES),
                                    "workflow", List.copyOf(Fields.WORKFLOW_PROPERTIES)))
                    .consume();
            return true;
        }
    }

    /** The scope of a task or workflow: its campaign, else its workflow, else {@code "-"}. */
    public static String scope(String campaignId, String workflowId) {
        if (campaignId != null) return campaignScope(campaignId);
        if (workflowId != null) return "w:" + workflowId;
        return "-";
    }

    public static String campaignScope(String campaignId) {
        return "c:" + campaignId;
    }

    /**
     * Runs a statement in the ingest's transaction ({@code (query, parameters) -> rows}, each row a map of
     * plain Java values), whichever way the ingest reaches Neo4j.
     */
    public interface Reader extends BiFunction<String, Map<String, Object>, List<Map<String, Object>>> {}

    /** The names registered in each of these scopes; scopes not cached yet are read in {@code tx}. */
    public Map<String, Set<String>> registered(Reader tx, Collection<String> scopes) {
        var missing = new ArrayList<String>();
        for (String s : scopes) if (!cache.containsKey(s)) missing.add(s);
        var read = new HashMap<String, Set<String>>();
        if (!missing.isEmpty())
            for (Map<String, Object> r : tx.apply(READ, Map.of("scopes", missing))) {
                Set<String> names = ConcurrentHashMap.newKeySet();
                names.addAll(names(r));
                read.put((String) r.get("scope"), names);
            }
        var out = new HashMap<String, Set<String>>();
        for (String s : scopes) {
            Set<String> names = cache.get(s);
            if (names == null) {
                // a scope read in this transaction joins the cache only if no other thread cached it first
                names = cache.computeIfAbsent(s, k -> read.getOrDefault(k, ConcurrentHashMap.newKeySet()));
            }
            out.put(s, java.util.Collections.unmodifiableSet(names));
        }
        return out;
    }

    /**
     * The names registered in each of these scopes, read afresh in {@code tx} (the caller holds the scopes'
     * locks); the cache learns them. Names are only added, so the fresh set replaces the cached one.
     */
    public Map<String, Set<String>> reread(Reader tx, Collection<String> scopes) {
        var out = new HashMap<String, Set<String>>();
        if (scopes.isEmpty()) return out;
        for (String s : scopes) out.put(s, Set.of());
        for (Map<String, Object> r : tx.apply(READ, Map.of("scopes", List.copyOf(scopes)))) {
            Set<String> names = ConcurrentHashMap.newKeySet();
            names.addAll(names(r));
            cache.put((String) r.get("scope"), names);
            out.put((String) r.get("scope"), java.util.Collections.unmodifiableSet(names));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static List<String> names(Map<String, Object> row) {
        return (List<String>) row.get("names");
    }

    /** Learns the {@code {scope, name}} rows a committed batch registered. */
    public void committed(List<Map<String, Object>> rows) {
        for (Map<String, Object> r : rows) {
            Set<String> names = cache.get((String) r.get("scope"));
            // a scope not cached is read whole the next time it is needed
            if (names != null) names.add((String) r.get("name"));
        }
    }
}
