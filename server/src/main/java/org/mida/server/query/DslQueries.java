package org.mida.server.query;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.mida.cypher.query.CompiledQuery;
import org.mida.cypher.query.QueryCompiler;
import org.mida.cypher.query.QueryException;
import org.mida.server.http.ApiException;
import org.mida.server.http.Problem;
import org.mida.server.http.ProblemType;
import org.neo4j.driver.Record;

/** The query DSL: compiles a request body and runs it as a user read. */
final class DslQueries {
    private final UserReads reads;
    private final QueryCompiler compiler;

    DslQueries(UserReads reads, QueryCompiler compiler) {
        this.reads = reads;
        this.compiler = compiler;
    }

    /** The answer to one DSL document (the parsed request body). */
    QueryAnswer run(Object body) {
        CompiledQuery q = compile(body);
        List<Map<String, Object>> rows = reads.run(tx -> {
            var values = new CypherValues();
            var out = new ArrayList<Map<String, Object>>();
            for (Record r : tx.run(q.cypher(), q.params()).list()) out.add(values.row(r));
            return out;
        });
        return QueryAnswer.of(rows, q);
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
