package org.mida.server.query;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.mida.server.http.ApiException;
import org.mida.server.http.Json;
import org.mida.server.http.JsonPointers;
import org.mida.server.http.Problem;
import org.mida.server.http.ProblemType;
import org.neo4j.driver.AccessMode;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Result;
import org.neo4j.driver.SessionConfig;
import org.neo4j.driver.TransactionConfig;
import org.neo4j.driver.exceptions.Neo4jException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POST /api/cypher {@code {"query": "…", "params": {…}}}: read-only Cypher. The query is first EXPLAINed
 * (nothing runs) and refused with 403 unless {@link ReadOnlyGuard} accepts its plan; several statements,
 * {@code EXPLAIN}/{@code PROFILE} prefixes and syntax errors are 400. It then runs in a READ access-mode
 * transaction (a write fails there too) with a time limit ({@code MIDA_CYPHER_TIMEOUT_MS}; 503 when hit),
 * reading at most {@code MIDA_CYPHER_MAX_ROWS} rows: {@code {"columns":[…],"rows":[{column: value}],
 * "truncated":bool}}. Values are serialised by {@link CypherValues}.
 */
public final class CypherRoutes {
    private static final Logger LOG = LoggerFactory.getLogger(CypherRoutes.class);
    static final int MAX_QUERY_LENGTH = 100_000;
    private static final Set<String> KEYS = Set.of("query", "params");

    private final Driver driver;
    private final ObjectMapper mapper;
    private final Json json;
    private final long timeoutMs;
    private final int maxRows;

    public CypherRoutes(Driver driver, ObjectMapper mapper, Json json, long timeoutMs, int maxRows) {
        this.driver = driver;
        this.mapper = mapper;
        this.json = json;
        this.timeoutMs = timeoutMs;
        this.maxRows = maxRows;
    }

    /** The answer of one read. */
    record Answer(List<String> columns, List<Map<String, Object>> rows, boolean truncated) {}

    public void post(Context ctx) {
        Object body = RequestBodies.json(ctx, mapper);
        if (!(body instanceof Map<?, ?> m))
            throw ApiException.badRequest("the body must be a JSON object {\"query\": …}");
        var errors = new ArrayList<Problem.Error>();
        for (Object k : m.keySet())
            if (!KEYS.contains(k))
                errors.add(Problem.Error.at(
                        JsonPointers.of(String.valueOf(k)), "unknown key; the body has 'query' and 'params'"));
        Object q = m.get("query");
        if (!(q instanceof String s) || s.isBlank())
            errors.add(Problem.Error.at("/query", "a Cypher query string is required"));
        else if (s.length() > MAX_QUERY_LENGTH)
            errors.add(Problem.Error.at("/query", "the query is longer than " + MAX_QUERY_LENGTH + " characters"));
        Object p = m.get("params");
        if (p != null && !(p instanceof Map))
            errors.add(Problem.Error.at("/params", "params must be a JSON object of name: value"));
        if (!errors.isEmpty())
            throw new ApiException(
                    ProblemType.INVALID_QUERY,
                    "the request is not valid: " + errors.get(0).detail(),
                    errors);
        @SuppressWarnings("unchecked")
        Map<String, Object> params = p == null ? Map.of() : (Map<String, Object>) RequestBodies.parameter(p, "/params");
        Answer a = read((String) q, params);
        var out = new LinkedHashMap<String, Object>();
        out.put("columns", a.columns());
        out.put("rows", a.rows());
        out.put("truncated", a.truncated());
        json.ok(ctx, out);
    }

    /** Checks the query's plan, then runs it read-only with the limits. */
    Answer read(String query, Map<String, Object> params) {
        if (StatementText.severalStatements(query))
            throw ApiException.badRequest("one statement per request: remove the ';' and what follows it");
        String first = StatementText.firstKeyword(query);
        if (first.equals("EXPLAIN") || first.equals("PROFILE"))
            throw ApiException.badRequest(first + " is not supported here; send the query itself");
        var tx = TransactionConfig.builder()
                .withTimeout(Duration.ofMillis(timeoutMs))
                .build();
        try (var session = driver.session(
                SessionConfig.builder().withDefaultAccessMode(AccessMode.READ).build())) {
            var summary =
                    session.executeRead(t -> t.run("EXPLAIN " + query, params).consume(), tx);
            ReadOnlyGuard.check(summary);
            return session.executeRead(t -> run(t, query, params), tx);
        } catch (Neo4jException e) {
            throw ReadErrors.of(e, timeoutMs);
        }
    }

    /** Runs without the plan check: only the READ access mode and the limits stand (tests use it). */
    Answer run(org.neo4j.driver.TransactionContext t, String query, Map<String, Object> params) {
        var values = new CypherValues();
        Result result = t.run(query, params);
        List<String> columns = result.keys();
        var rows = new ArrayList<Map<String, Object>>();
        while (rows.size() < maxRows && result.hasNext()) rows.add(values.row(result.next()));
        boolean truncated = result.hasNext();
        result.consume(); // discards the rest without reading it
        values.resolveEnds(t);
        if (truncated) LOG.debug("cypher answer truncated at {} rows", maxRows);
        return new Answer(columns, rows, truncated);
    }

    /** Runs a query in a READ transaction without the plan check (for tests of the second line of defence). */
    Answer runUnchecked(String query) {
        var tx = TransactionConfig.builder()
                .withTimeout(Duration.ofMillis(timeoutMs))
                .build();
        try (var session = driver.session(
                SessionConfig.builder().withDefaultAccessMode(AccessMode.READ).build())) {
            return session.executeRead(t -> run(t, query, Map.of()), tx);
        } catch (Neo4jException e) {
            throw ReadErrors.of(e, timeoutMs);
        }
    }
}
