package org.mida.server.search;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.mida.cypher.Cypher;
import org.neo4j.driver.Record;
import org.neo4j.driver.TransactionContext;
import org.neo4j.driver.Value;

/**
 * The search itself: the text is cut into tokens of letters, digits, {@code _} and inner dots (close to the
 * full-text analyzer's own tokens: {@code file:///data/scan-07.h5} indexes as {@code file data scan 07 h5},
 * {@code train_model} as one token), each token
 * becomes {@code (tok^4 OR tok*^2 OR tok~1)} (exact, prefix, one edit; the fuzzy part only for tokens of 4
 * or more characters) and all tokens must match. Exact ids are looked up by their unique indexes.
 */
final class Search {
    static final int MAX_QUERY_LENGTH = 200;
    static final int MAX_TOKENS = 8;
    static final int MAX_TOKEN_LENGTH = 64;
    private static final List<String> KIND_ORDER = List.of("campaign", "task", "run", "activity", "workflow", "entity");

    /** Best first: the exact id, then a name equal to the text, then by score. */
    private static final Comparator<SearchAnswer.Hit> RANK = Comparator.comparing(SearchAnswer.Hit::exact)
            .thenComparing(SearchAnswer.Hit::named)
            .thenComparingDouble(SearchAnswer.Hit::score)
            .reversed();

    private Search() {}

    /** The Lucene query for a text, or null when it holds no letter or digit. */
    static String lucene(String text) {
        var tokens = new ArrayList<String>();
        var cur = new StringBuilder();
        text.toLowerCase(Locale.ROOT).codePoints().forEach(cp -> {
            if (Character.isLetterOrDigit(cp) || cp == '_' || cp == '.') cur.appendCodePoint(cp);
            else if (!cur.isEmpty()) {
                tokens.add(cur.toString());
                cur.setLength(0);
            }
        });
        if (!cur.isEmpty()) tokens.add(cur.toString());
        tokens.replaceAll(t -> t.replaceAll("^\\.+|\\.+$", ""));
        tokens.removeIf(t -> t.isEmpty() || t.chars().noneMatch(Character::isLetterOrDigit));
        var parts = new ArrayList<String>();
        for (String t : tokens) {
            if (parts.size() == MAX_TOKENS) break;
            String tok = escape(t.length() > MAX_TOKEN_LENGTH ? t.substring(0, MAX_TOKEN_LENGTH) : t);
            String part = tok + "^4 OR " + tok + "*^2" + (t.length() >= 4 ? " OR " + tok + "~1" : "");
            parts.add("(" + part + ")");
        }
        return parts.isEmpty() ? null : String.join(" AND ", parts);
    }

    /** Escapes every character the Lucene query syntax gives a meaning (defence in depth: tokens are alphanumeric). */
    static String escape(String s) {
        var sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ("\\+-!():^[]\"{}~*?|&/ ".indexOf(c) >= 0) sb.append('\\');
            sb.append(c);
        }
        return sb.toString();
    }

    static SearchAnswer run(TransactionContext tx, String text, int limit) {
        String q = lucene(text);
        var groups = new LinkedHashMap<String, List<SearchAnswer.Hit>>();
        for (String k : KIND_ORDER) groups.put(k, new ArrayList<>());
        SearchAnswer.Hit exact = exact(tx, text);
        if (exact != null) groups.get(exact.kind()).add(exact);
        if (q != null) {
            var params = Map.<String, Object>of("q", q, "limit", (long) limit * 4);
            String needle = text.toLowerCase(Locale.ROOT);
            var activities = new LinkedHashMap<String, SearchAnswer.Hit>();
            for (Record r : tx.run(Cypher.load("search/tasks"), params).list()) {
                String id = str(r.get("id"));
                String activity = str(r.get("activity_id"));
                String runName = str(r.get("run_name"));
                String campaign = str(r.get("campaign_id"));
                double score = r.get("score").asDouble();
                boolean byId = matches(id, needle);
                boolean byRun = runName != null && matches(runName, needle);
                if (activity != null && matches(activity, needle)) {
                    // one hit per activity and campaign, counting its matching tasks among the hits
                    String key = activity + "\u0000" + campaign;
                    var prev = activities.get(key);
                    activities.put(
                            key,
                            new SearchAnswer.Hit(
                                    "activity",
                                    activity,
                                    activity,
                                    null,
                                    campaign,
                                    null,
                                    null,
                                    prev == null ? 1L : prev.count() + 1,
                                    prev == null ? score : Math.max(score, prev.score()),
                                    false,
                                    activity.equalsIgnoreCase(text)));
                    if (!byId && !byRun) continue;
                }
                if (exact != null && exact.kind().equals("task") && exact.id().equals(id)) continue;
                boolean run = byRun && !byId;
                groups.get(run ? "run" : "task")
                        .add(new SearchAnswer.Hit(
                                run ? "run" : "task",
                                id,
                                runName != null ? runName : activity,
                                str(r.get("workflow_id")),
                                campaign,
                                str(r.get("status")),
                                null,
                                null,
                                score,
                                false,
                                runName != null && runName.equalsIgnoreCase(text)));
            }
            groups.get("activity").addAll(activities.values());
            for (Record r : tx.run(Cypher.load("search/workflows"), params).list()) {
                String id = str(r.get("id"));
                if (exact != null
                        && exact.kind().equals("workflow")
                        && exact.id().equals(id)) continue;
                groups.get("workflow")
                        .add(new SearchAnswer.Hit(
                                "workflow",
                                id,
                                str(r.get("name")),
                                id,
                                str(r.get("campaign_id")),
                                str(r.get("status")),
                                null,
                                null,
                                r.get("score").asDouble(),
                                false,
                                text.equalsIgnoreCase(str(r.get("name")))));
            }
            for (Record r : tx.run(Cypher.load("search/entities"), params).list()) {
                String id = str(r.get("id"));
                if (exact != null && exact.kind().equals("entity") && exact.id().equals(id)) continue;
                groups.get("entity")
                        .add(new SearchAnswer.Hit(
                                "entity",
                                id,
                                null,
                                null,
                                null,
                                null,
                                str(r.get("type")),
                                null,
                                r.get("score").asDouble(),
                                false,
                                false));
            }
        }
        var out = new ArrayList<SearchAnswer.Group>();
        for (var e : groups.entrySet()) {
            var hits = new ArrayList<>(e.getValue());
            hits.sort(RANK);
            if (hits.size() > limit) hits.subList(limit, hits.size()).clear();
            if (!hits.isEmpty()) out.add(new SearchAnswer.Group(e.getKey(), List.copyOf(hits)));
        }
        out.sort(Comparator.comparing((SearchAnswer.Group g) -> g.hits().get(0), RANK));
        SearchAnswer.Hit best = out.isEmpty() ? null : out.get(0).hits().get(0);
        return new SearchAnswer(text, q, best, out);
    }

    /**
     * True when every token of the needle matches a token of the value as the index does: equal, a prefix,
     * or (4 characters or more) one edit away. Tells which field of a hit matched.
     */
    static boolean matches(String value, String needle) {
        if (value == null) return false;
        String[] words = value.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}_.]+");
        for (String t : needle.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}_.]+")) {
            if (t.isEmpty()) continue;
            boolean hit = false;
            for (String w : words)
                if (w.startsWith(t) || (t.length() >= 4 && oneEdit(w, t))) {
                    hit = true;
                    break;
                }
            if (!hit) return false;
        }
        return true;
    }

    /** At most one insertion, deletion or substitution apart. */
    static boolean oneEdit(String a, String b) {
        if (Math.abs(a.length() - b.length()) > 1) return false;
        int i = 0, j = 0, edits = 0;
        while (i < a.length() && j < b.length()) {
            if (a.charAt(i) == b.charAt(j)) {
                i++;
                j++;
                continue;
            }
            if (++edits > 1) return false;
            if (a.length() > b.length()) i++;
            else if (a.length() < b.length()) j++;
            else {
                i++;
                j++;
            }
        }
        return edits + (a.length() - i) + (b.length() - j) <= 1;
    }

    private static SearchAnswer.Hit exact(TransactionContext tx, String text) {
        Record r = tx.run(Cypher.load("search/exact"), Map.of("id", text)).single();
        String kind = r.get("task").asBoolean()
                ? "task"
                : r.get("workflow").asBoolean()
                        ? "workflow"
                        : r.get("campaign").asBoolean()
                                ? "campaign"
                                : r.get("entity").isNull() ? null : "entity";
        if (kind == null) return null;
        String id = kind.equals("entity") ? r.get("entity").asString() : text;
        return new SearchAnswer.Hit(kind, id, null, null, null, null, null, null, 1000.0, true, false);
    }

    private static String str(Value v) {
        return v == null || v.isNull() ? null : v.asString();
    }
}
