package org.mida.server.ingest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.mida.server.ingest.NodeProperties.FieldAdmission;

/**
 * The per-scope (campaign) bound of one batch's plan: a flattened key is admitted when its scope already
 * made it queryable, or, while the scope has room ({@code maxPerScope} keys in all), as a new key that the
 * batch registers. Keys are only added, and a key a node holds was admitted when it was written, so the
 * properties a stored document gets now ({@link #registered}) are those it got then (for the same
 * bounds): the plan's property diff stays exact. Not thread-safe; one per plan.
 */
final class FieldBudget {
    private final Map<String, Set<String>> known;
    private final int maxPerScope;
    private final Map<String, LinkedHashSet<String>> added = new LinkedHashMap<>();
    private final Set<String> full = new java.util.TreeSet<>();

    /**
     * @param known the names each scope had registered before the batch (a scope not there: none); null
     *     for no per-scope bound
     */
    FieldBudget(Map<String, Set<String>> known, int maxPerScope) {
        this.known = known;
        this.maxPerScope = maxPerScope;
    }

    /** Admits keys the scope has, and new ones while it has room (registering them). */
    FieldAdmission writing(String scope) {
        if (known == null) return FieldAdmission.ALL;
        return key -> {
            Set<String> k = known.getOrDefault(scope, Set.of());
            if (k.contains(key)) return true;
            LinkedHashSet<String> a = added.computeIfAbsent(scope, s -> new LinkedHashSet<>());
            if (a.contains(key)) return true;
            if (k.size() + a.size() >= maxPerScope) {
                full.add(scope);
                return false;
            }
            a.add(key);
            return true;
        };
    }

    /** Admits the keys the scope has (registered before or by this batch): a stored document's properties. */
    FieldAdmission registered(String scope) {
        if (known == null) return FieldAdmission.ALL;
        return key -> known.getOrDefault(scope, Set.of()).contains(key)
                || added.getOrDefault(scope, new LinkedHashSet<>()).contains(key);
    }

    /**
     * The scopes whose registry the plan depends on beyond what it read: those it registers keys in and
     * those that refused a key for their bound. Several servers ingesting at once must lock these and plan
     * on a fresh read of them (the others' keys all were in what was read).
     */
    Set<String> decidingScopes() {
        var out = new java.util.TreeSet<>(full);
        for (var e : added.entrySet()) if (!e.getValue().isEmpty()) out.add(e.getKey());
        return out;
    }

    /** The {@code {scope, name}} rows of the keys the batch registers. */
    List<Map<String, Object>> rows() {
        var out = new ArrayList<Map<String, Object>>();
        for (var e : added.entrySet()) for (String n : e.getValue()) out.add(Map.of("scope", e.getKey(), "name", n));
        return out;
    }
}
