package org.mida.server.fields;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.mida.cypher.Cypher;
import org.mida.cypher.query.CompiledQuery.FieldUse;
import org.mida.cypher.query.Fields;
import org.neo4j.driver.Record;
import org.neo4j.driver.TransactionContext;

/**
 * What the graph knows of its fields, for readers: whether the fields a query names exist in the
 * campaigns it reads ({@link #unknown}), close matches of a name that does not, and the fields present on
 * a campaign's or a workflow's tasks with their types and counts ({@link #list}). Wire-format fields
 * ({@link Fields#TASK_PROPERTIES}, {@link Fields#WORKFLOW_PROPERTIES}) and the nodes' bookkeeping ({@code
 * _json}, {@code _unindexed}, {@code _unindexed_count}) always exist; flattened keys exist when the
 * ingest registered them ({@link FieldRegistry}). Stateless; every method runs in the caller's read
 * transaction.
 */
public final class FieldCatalog {
    /** Close matches named in a problem's detail, at most. */
    static final int MATCHES = 5;

    private static final int CANDIDATES = 20_000;
    private static final Set<String> BOOKKEEPING = Set.of("_json", "_unindexed", "_unindexed_count");
    private static final String KNOWN = Cypher.load("fields/known");
    private static final String SCOPES_KNOWN = Cypher.load("fields/scopes-known");
    private static final String CANDIDATES_QUERY = Cypher.load("fields/candidates");
    private static final String CAMPAIGN_FIELDS = Cypher.load("fields/campaign-fields");
    private static final String WORKFLOW_FIELDS = Cypher.load("fields/workflow-fields");
    private static final String CAMPAIGN_TASKS = Cypher.load("fields/campaign-tasks");
    private static final String WORKFLOW_TASKS = Cypher.load("fields/workflow-tasks");

    /** A field a query names that no task (or workflow) of its campaigns has, and why, with close matches. */
    public record Unknown(String name, String pointer, String detail) {}

    /**
     * The fields of the query that the campaigns it reads ({@code campaigns}; empty: all) have never seen.
     * Campaigns none of which has registered a field are checked as all campaigns.
     *
     * @param from {@code "tasks"} or {@code "workflows"}
     */
    public List<Unknown> unknown(TransactionContext tx, String from, List<FieldUse> fields, List<String> campaigns) {
        Set<String> fixed = fixed(from);
        var names = new LinkedHashSet<String>();
        for (FieldUse f : fields) if (!fixed.contains(f.name())) names.add(f.name());
        if (names.isEmpty()) return List.of();
        List<String> asked = scopes(campaigns);
        // a campaign with no registered field (unknown, or no flattened keys yet) says nothing: check as
        // for any campaign, so a query of an absent campaign is empty rather than a 400
        boolean any = asked == null
                || !tx.run(SCOPES_KNOWN, Map.of("scopes", asked))
                        .single()
                        .get("known")
                        .asBoolean();
        List<String> scopes = any ? null : asked;
        List<String> where = any ? List.of() : campaigns;
        var known = new HashSet<String>();
        for (Record r : tx.run(KNOWN, params("names", List.copyOf(names), "scopes", scopes))
                .list()) known.add(r.get("name").asString());
        names.removeAll(known);
        if (names.isEmpty()) return List.of();
        var out = new ArrayList<Unknown>();
        Map<String, List<String>> matches = new HashMap<>();
        for (FieldUse f : fields) {
            if (!names.contains(f.name())) continue;
            List<String> m =
                    matches.computeIfAbsent(f.name(), n -> closeMatches(n, candidates(tx, n, scopes, fixed), MATCHES));
            out.add(new Unknown(f.name(), f.pointer(), detail(f.name(), from, where, m)));
        }
        return out;
    }

    private static String detail(String name, String from, List<String> campaigns, List<String> matches) {
        String what = from.equals("workflows") ? "workflow" : "task";
        String where = campaigns.isEmpty()
                ? "no " + what
                : "no " + what + " of campaign" + (campaigns.size() > 1 ? "s " : " ") + quoted(campaigns);
        var sb = new StringBuilder(where).append(" has a field '").append(name).append("'");
        if (!matches.isEmpty()) sb.append("; close matches: ").append(quoted(matches));
        sb.append(" (GET /api/fields?campaign_id=… lists the fields; a key in '.' or '\\' is escaped: 'used.a\\.b';"
                + " keys beyond the per-task or per-campaign bound are not queryable, a task lists them in"
                + " _unindexed)");
        return sb.toString();
    }

    private static String quoted(List<String> names) {
        var q = new ArrayList<String>();
        for (String n : names) q.add("'" + n + "'");
        return String.join(", ", q);
    }

    private static Set<String> fixed(String from) {
        var s = new HashSet<>(from.equals("workflows") ? Fields.WORKFLOW_PROPERTIES : Fields.TASK_PROPERTIES);
        s.addAll(BOOKKEEPING);
        return s;
    }

    private static List<String> scopes(List<String> campaigns) {
        if (campaigns.isEmpty()) return null;
        var s = new ArrayList<String>();
        for (String c : campaigns) s.add(FieldRegistry.campaignScope(c));
        return s;
    }

    private static Map<String, Object> params(Object... kv) {
        var m = new HashMap<String, Object>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    /** The registered names of these scopes (or, for all scopes, those sharing the first segment) and the fixed ones. */
    private static List<String> candidates(TransactionContext tx, String name, List<String> scopes, Set<String> fixed) {
        var out = new ArrayList<>(fixed);
        String prefix = "";
        if (scopes == null) {
            List<String> segments = Fields.segments(name);
            if (segments != null && segments.size() > 1) prefix = Fields.escape(segments.get(0)) + ".";
        }
        for (Record r : tx.run(CANDIDATES_QUERY, params("prefix", prefix, "scopes", scopes, "limit", (long) CANDIDATES))
                .list()) out.add(r.get("name").asString());
        return out;
    }

    /**
     * Up to {@code max} of the candidates closest to {@code name}: by edit distance (case-insensitive, at
     * most a third of the name's length, at least 2), or sharing a prefix or the last segment; nearest first.
     */
    static List<String> closeMatches(String name, Collection<String> candidates, int max) {
        String n = name.toLowerCase(Locale.ROOT);
        String last = lastSegment(n);
        int limit = Math.max(2, n.length() / 3);
        record Scored(String name, int score) {}
        var scored = new ArrayList<Scored>();
        for (String c : new LinkedHashSet<>(candidates)) {
            String lc = c.toLowerCase(Locale.ROOT);
            if (c.equals(name)) continue;
            int d = distance(n, lc, limit + 1);
            if (d <= limit) scored.add(new Scored(c, d));
            else if (lc.startsWith(n)
                    || n.startsWith(lc + ".")
                    || lastSegment(lc).equals(last))
                scored.add(new Scored(c, limit + 1 + Math.abs(lc.length() - n.length())));
        }
        scored.sort(Comparator.comparingInt(Scored::score).thenComparing(Scored::name));
        var out = new ArrayList<String>();
        for (int i = 0; i < scored.size() && i < max; i++) out.add(scored.get(i).name());
        return out;
    }

    private static String lastSegment(String name) {
        List<String> s = Fields.segments(name);
        return s == null ? name : s.get(s.size() - 1);
    }

    /** Levenshtein distance, or {@code cap} as soon as it is known to be at least that. */
    static int distance(String a, String b, int cap) {
        if (Math.abs(a.length() - b.length()) >= cap) return cap;
        int[] prev = new int[b.length() + 1], cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            int rowMin = cur[0];
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
                rowMin = Math.min(rowMin, cur[j]);
            }
            if (rowMin >= cap) return cap;
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return Math.min(prev[b.length()], cap);
    }

    /** The fields present on the tasks of a campaign ({@code campaignId}) or of a workflow, most common first. */
    public FieldsAnswer list(TransactionContext tx, String campaignId, String workflowId) {
        boolean campaign = campaignId != null;
        Map<String, Object> p = Map.of("id", campaign ? campaignId : workflowId);
        long tasks = tx.run(campaign ? CAMPAIGN_TASKS : WORKFLOW_TASKS, p)
                .single()
                .get("tasks")
                .asLong();
        var byName = new HashMap<String, FieldsAnswer.Field>();
        for (Record r : tx.run(campaign ? CAMPAIGN_FIELDS : WORKFLOW_FIELDS, p).list()) {
            String name = r.get("name").asString();
            String type = type(r.get("type").asString());
            long count = r.get("count").asLong();
            byName.merge(
                    name,
                    new FieldsAnswer.Field(name, List.of(type), count),
                    (a, b) -> new FieldsAnswer.Field(name, union(a.types(), b.types()), a.count() + b.count()));
        }
        var fields = new ArrayList<>(byName.values());
        fields.sort(
                Comparator.comparingLong(FieldsAnswer.Field::count).reversed().thenComparing(FieldsAnswer.Field::name));
        return new FieldsAnswer(campaignId, workflowId, tasks, fields);
    }

    private static List<String> union(List<String> a, List<String> b) {
        var s = new java.util.TreeSet<>(a);
        s.addAll(b);
        return List.copyOf(s);
    }

    /** Cypher's {@code valueType} in the answer's words: {@code INTEGER NOT NULL} → integer, lists as list<…>. */
    static String type(String valueType) {
        return valueType.replace(" NOT NULL", "").toLowerCase(Locale.ROOT);
    }
}
