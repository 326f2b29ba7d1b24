package org.mida.server.query;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.mida.cypher.query.CompiledQuery;
import org.mida.cypher.query.QueryCompiler;
import org.mida.cypher.query.QueryException;
import org.mida.server.columnar.TaskMirror;
import org.mida.server.fields.FieldCatalog;
import org.mida.server.http.ApiException;
import org.mida.server.http.Problem;
import org.mida.server.http.ProblemType;
import org.neo4j.driver.Record;

/**
 * The query DSL: compiles a request body, checks that the campaigns it reads have the fields it names (a
 * field none has is a 400 naming close matches, not empty rows), and runs it as a user read: on the columnar
 * mirror of the task table ({@link TaskMirror}) when it is loaded, current and sure of the answer, else as
 * Cypher. Both give the same rows ({@code DslMirrorIT} runs a corpus against both).
 */
final class DslQueries {
    private final UserReads reads;
    private final QueryCompiler compiler;
    private final FieldCatalog catalog;
    private final long maxBytes;
    private final Supplier<TaskMirror> mirror;

    /**
     * A system property that sends every DSL query to Cypher when set to {@code cypher} (benchmarks and tests
     * compare the two engines side by side in one server).
     */
    public static final String ENGINE_PROPERTY = "mida.dsl.engine";

    /** @param maxBytes the byte cap of an answer ({@code MIDA_CYPHER_MAX_BYTES}) */
    DslQueries(UserReads reads, QueryCompiler compiler, FieldCatalog catalog, long maxBytes) {
        this(reads, compiler, catalog, maxBytes, () -> null);
    }

    /** @param mirror the columnar mirror that answers what it can (null or not ready: Cypher answers) */
    DslQueries(
            UserReads reads, QueryCompiler compiler, FieldCatalog catalog, long maxBytes, Supplier<TaskMirror> mirror) {
        this.reads = reads;
        this.compiler = compiler;
        this.catalog = catalog;
        this.maxBytes = maxBytes;
        this.mirror = mirror;
    }

    /** The answer to one DSL document (the parsed request body). */
    QueryAnswer run(Object body) {
        CompiledQuery q = compile(body);
        TaskMirror mirror = this.mirror.get();
        List<Map<String, Object>> rows = reads.run(tx -> {
            List<FieldCatalog.Unknown> unknown = catalog.unknown(tx, q.from(), q.fields(), q.campaigns());
            if (!unknown.isEmpty()) throw unknownFields(unknown);
            if (mirror != null && !"cypher".equals(System.getProperty(ENGINE_PROPERTY))) {
                List<Object[]> mirrored = mirror.answer((Map<?, ?>) body);
                if (mirrored != null) return rows(mirrored, q);
            }
            var values = new CypherValues(maxBytes);
            var out = new ArrayList<Map<String, Object>>();
            var result = tx.run(q.cypher(), q.params());
            while (result.hasNext()) {
                Record r = result.next();
                // the Cypher returns c0, c1, …: the answer keys them by the names the query gave
                Map<String, Object> raw = values.row(r);
                var row = new LinkedHashMap<String, Object>();
                for (int i = 0; i < q.columns().size(); i++)
                    row.put(q.columns().get(i), raw.get(CompiledQuery.alias(i)));
                out.add(row);
            }
            return out;
        });
        return QueryAnswer.of(rows, q);
    }

    /**
     * The mirror's rows keyed by the query's column names, its values made JSON-ready as {@link CypherValues}
     * makes the driver's (NaN and infinities as text), within the same byte cap.
     */
    private List<Map<String, Object>> rows(List<Object[]> mirrored, CompiledQuery q) {
        long bytes = 0;
        var out = new ArrayList<Map<String, Object>>(mirrored.size());
        for (Object[] values : mirrored) {
            var row = new LinkedHashMap<String, Object>();
            for (int i = 0; i < q.columns().size(); i++) {
                Object v = values[i];
                bytes += CompiledQuery.alias(i).length() + 4 + (v instanceof String s ? s.length() + 2L : 8);
                if (v instanceof Double d && (d.isNaN() || d.isInfinite())) v = d.toString();
                row.put(q.columns().get(i), v);
            }
            if (bytes > maxBytes)
                throw new ApiException(
                        ProblemType.ANSWER_TOO_LARGE,
                        "the answer is larger than " + maxBytes + " bytes (MIDA_CYPHER_MAX_BYTES); return fewer rows"
                                + " (LIMIT), fewer columns or shorter values (left(x, 1000), size(x))");
            out.add(row);
        }
        return out;
    }

    private static ApiException unknownFields(List<FieldCatalog.Unknown> unknown) {
        var errors = new ArrayList<Problem.Error>();
        for (FieldCatalog.Unknown u : unknown) errors.add(Problem.Error.at(u.pointer(), u.detail()));
        return new ApiException(
                ProblemType.INVALID_QUERY,
                "the query names " + (unknown.size() == 1 ? "a field" : unknown.size() + " fields")
                        + " the data does not have: " + unknown.get(0).detail(),
                errors);
    }

    /** The compiled query, or a 400 problem pointing at every wrong part of the document. */
    private CompiledQuery compile(Object body) {
        try {
            return compiler.compile(body);
        } catch (QueryException e) {
            var errors = new ArrayList<Problem.Error>();
            for (QueryException.Problem p : e.problems()) errors.add(Problem.Error.at(p.pointer(), p.detail()));
            throw new ApiException(ProblemType.INVALID_QUERY, "the query is not valid: " + e.getMessage(), errors);
        }
    }
}
