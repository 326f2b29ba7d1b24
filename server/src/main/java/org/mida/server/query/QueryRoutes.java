package org.mida.server.query;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import io.micrometer.core.instrument.MeterRegistry;
import org.mida.cypher.query.QueryCompiler;
import org.mida.server.fields.FieldCatalog;
import org.mida.server.http.Json;
import org.neo4j.driver.Driver;

/**
 * The two ways to ask the graph a question, both reads with a time limit and both answered as JSON.
 *
 * <ul>
 *   <li>{@code POST /api/query}: the JSON query DSL ({@link QueryCompiler} has the grammar and semantics),
 *       compiled to parameterized Cypher. Answers {@code {"rows":[…],"count":n}} ({@code count} = rows in
 *       this answer), plus {@code "cypher"} and {@code "params"} when the request says {@code
 *       "explain":true}. An invalid query is a 400 problem whose {@code errors} hold a JSON Pointer into
 *       the request for each problem.
 *   <li>{@code POST /api/cypher} {@code {"query": "…", "params": {…}}}: read-only Cypher. The query is
 *       first EXPLAINed and refused with 403 unless {@link ReadOnlyGuard} accepts its plan; several
 *       statements, {@code EXPLAIN}/{@code PROFILE} prefixes and syntax errors are 400. It runs in a READ
 *       access-mode transaction (a write fails there too), reading at most {@code MIDA_CYPHER_MAX_ROWS}
 *       rows: {@code {"columns":[…],"rows":[{column: value}],"truncated":bool}}. Values are serialised
 *       by {@link CypherValues}.
 * </ul>
 *
 * Both stop at {@code MIDA_CYPHER_TIMEOUT_MS} (503). Errors are thrown as {@code ApiException} and
 * answered by {@code Problems}.
 *
 * <pre>{@code
 * var query = QueryRoutes.create(driver, mapper, json, config.cypherTimeoutMs(), config.cypherMaxRows());
 * c.routes.post("/api/query", query::query);
 * c.routes.post("/api/cypher", query::cypher);
 * }</pre>
 */
public final class QueryRoutes {
    private final ObjectMapper mapper;
    private final Json json;
    private final DslQueries dsl;
    private final CypherReads cypher;
    private final int maxQueryChars;

    QueryRoutes(ObjectMapper mapper, Json json, DslQueries dsl, CypherReads cypher, int maxQueryChars) {
        this.mapper = mapper;
        this.json = json;
        this.dsl = dsl;
        this.cypher = cypher;
        this.maxQueryChars = maxQueryChars;
    }

    /**
     * @param timeoutMs the time limit of each read
     * @param maxRows the largest DSL {@code limit}, and the most rows a Cypher answer holds
     */
    public static QueryRoutes create(Driver driver, ObjectMapper mapper, Json json, long timeoutMs, int maxRows) {
        return create(driver, mapper, json, timeoutMs, maxRows, 16L << 20, CypherRequest.MAX_QUERY_LENGTH);
    }

    /**
     * @param maxBytes the most bytes (as JSON) one answer holds ({@code MIDA_CYPHER_MAX_BYTES}): more is a 422
     * @param maxQueryChars the longest Cypher statement ({@code MIDA_CYPHER_MAX_QUERY_CHARS}): longer is a 400
     */
    public static QueryRoutes create(
            Driver driver,
            ObjectMapper mapper,
            Json json,
            long timeoutMs,
            int maxRows,
            long maxBytes,
            int maxQueryChars) {
        return create(
                driver,
                mapper,
                json,
                timeoutMs,
                maxRows,
                maxBytes,
                maxQueryChars,
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    }

    /** @param registry where the read and retry counters go (the server's {@code /metrics}) */
    public static QueryRoutes create(
            Driver driver,
            ObjectMapper mapper,
            Json json,
            long timeoutMs,
            int maxRows,
            long maxBytes,
            int maxQueryChars,
            MeterRegistry registry) {
        var reads = new UserReads(driver, timeoutMs, registry);
        return new QueryRoutes(
                mapper,
                json,
                new DslQueries(
                        reads,
                        new QueryCompiler(maxRows),
                        new FieldCatalog(),
                        maxBytes,
                        () -> org.mida.server.columnar.TaskMirror.of(driver)),
                new CypherReads(reads, maxRows, maxBytes, ReadOnlyGuard::check),
                maxQueryChars);
    }

    /** {@code POST /api/query}. */
    public void query(Context ctx) {
        json.ok(ctx, dsl.run(RequestBodies.json(ctx, mapper)));
    }

    /** {@code POST /api/cypher}. */
    public void cypher(Context ctx) {
        json.ok(ctx, cypher.read(CypherRequest.of(RequestBodies.json(ctx, mapper), maxQueryChars)));
    }
}
