package org.mida.server.query;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mida.cypher.query.CompiledQuery;
import org.mida.cypher.query.QueryCompiler;
import org.mida.cypher.query.QueryException;
import org.mida.server.http.ApiException;
import org.mida.server.http.Json;
import org.mida.server.http.Problem;
import org.mida.server.http.ProblemType;
import org.neo4j.driver.AccessMode;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Record;
import org.neo4j.driver.SessionConfig;
import org.neo4j.driver.TransactionConfig;
import org.neo4j.driver.exceptions.Neo4jException;

/**
 * POST /api/query: the JSON query DSL ({@link QueryCompiler} has the grammar and semantics) compiled to
 * parameterized Cypher and run in a read transaction with the Cypher time limit. Answers {@code
 * {"rows":[…],"count":n}} ({@code count} = rows in this answer), plus {@code "cypher"} and {@code "params"}
 * when the request says {@code "explain":true}. An invalid query is a 400 problem whose {@code errors} hold
 * a JSON Pointer into the request for each problem.
 */
public final class QueryRoutes {
    private final Driver driver;
    private final ObjectMapper mapper;
    private final Json json;
    private final QueryCompiler compiler;
    private final long timeoutMs;

    public QueryRoutes(Driver driver, ObjectMapper mapper, Json json, int maxLimit, long timeoutMs) {
        this.driver = driver;
        this.mapper = mapper;
        this.json = json;
        this.compiler = new QueryCompiler(maxLimit);
        this.timeoutMs = timeoutMs;
    }

    public void post(Context ctx) {
        Object body = RequestBodies.json(ctx, mapper);
        CompiledQuery q;
        try {
            q = compiler.compile(body);
        } catch (QueryException e) {
            var errors = new ArrayList<Problem.Error>();
            for (QueryException.Problem p : e.problems()) errors.add(Problem.Error.at(p.pointer(), p.detail()));
            throw new ApiException(ProblemType.INVALID_QUERY, "the query is not valid: " + e.getMessage(), errors);
        }
        List<Map<String, Object>> rows = run(q);
        var out = new LinkedHashMap<String, Object>();
        out.put("rows", rows);
        out.put("count", rows.size());
        if (body instanceof Map<?, ?> m && Boolean.TRUE.equals(m.get("explain"))) {
            out.put("cypher", q.cypher());
            out.put("params", q.params());
        }
        json.ok(ctx, out);
    }

    private List<Map<String, Object>> run(CompiledQuery q) {
        var tx = TransactionConfig.builder()
                .withTimeout(Duration.ofMillis(timeoutMs))
                .build();
        try (var session = driver.session(
                SessionConfig.builder().withDefaultAccessMode(AccessMode.READ).build())) {
            return session.executeRead(
                    t -> {
                        var values = new CypherValues();
                        var rows = new ArrayList<Map<String, Object>>();
                        for (Record r : t.run(q.cypher(), q.params()).list()) rows.add(values.row(r));
                        return rows;
                    },
                    tx);
        } catch (Neo4jException e) {
            throw ReadErrors.of(e, timeoutMs);
        }
    }
}
