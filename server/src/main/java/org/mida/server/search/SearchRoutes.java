package org.mida.server.search;

import io.javalin.http.Context;
import java.time.Duration;
import org.mida.server.http.ApiException;
import org.mida.server.http.Json;
import org.neo4j.driver.AccessMode;
import org.neo4j.driver.Driver;
import org.neo4j.driver.SessionConfig;
import org.neo4j.driver.TransactionConfig;

/**
 * {@code GET /api/search?q=…&limit=}: partial and fuzzy matching over task ids, activity ids, run names,
 * workflow ids and names, and entity ids, through the Neo4j full-text indexes of the schema
 * ({@code search_tasks}, {@code search_workflows}, {@code search_entities}). The answer ({@link SearchAnswer})
 * groups the hits by kind, best first, and names the best hit (an exact id first). {@code q} is cut into
 * at most {@value Search#MAX_TOKENS} tokens of letters, digits, _ and dots, each escaped for Lucene and passed as a
 * parameter: no user text becomes Cypher, no pattern is unbounded. A read with the Cypher time limit.
 *
 * <pre>{@code
 * c.routes.get("/api/search", new SearchRoutes(driver, json, timeoutMs)::search);
 * }</pre>
 */
public final class SearchRoutes {
    /** Hits per kind at most. */
    public static final int MAX_LIMIT = 50;

    private final Driver driver;
    private final Json json;
    private final long timeoutMs;

    public SearchRoutes(Driver driver, Json json, long timeoutMs) {
        this.driver = driver;
        this.json = json;
        this.timeoutMs = timeoutMs;
    }

    /** {@code GET /api/search}. */
    public void search(Context ctx) {
        String q = ctx.queryParam("q");
        if (q == null || q.isBlank()) throw ApiException.badParameter("q", "give the text to search for in 'q'");
        if (q.length() > Search.MAX_QUERY_LENGTH)
            throw ApiException.badParameter(
                    "q", "'q' may hold at most " + Search.MAX_QUERY_LENGTH + " characters, got " + q.length());
        int limit = 8;
        String raw = ctx.queryParam("limit");
        if (raw != null && !raw.isBlank()) {
            try {
                limit = Integer.parseInt(raw.strip());
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > MAX_LIMIT)
                throw ApiException.badParameter(
                        "limit", "'limit' must be a whole number from 1 to " + MAX_LIMIT + ", got '" + raw + "'");
        }
        var tx = TransactionConfig.builder()
                .withTimeout(Duration.ofMillis(timeoutMs))
                .build();
        String text = q.strip();
        int n = limit;
        try (var session = driver.session(
                SessionConfig.builder().withDefaultAccessMode(AccessMode.READ).build())) {
            json.ok(ctx, session.executeRead(t -> Search.run(t, text, n), tx));
        }
    }
}
