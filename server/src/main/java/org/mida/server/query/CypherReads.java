package org.mida.server.query;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.mida.server.http.ApiException;
import org.neo4j.driver.Result;
import org.neo4j.driver.TransactionContext;
import org.neo4j.driver.summary.ResultSummary;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Read-only Cypher: refuses several statements and EXPLAIN/PROFILE prefixes, EXPLAINs the query (nothing
 * runs) and hands the plan to the plan check ({@link ReadOnlyGuard#check} in the server), then runs it in
 * the same read transaction and reads at most {@code maxRows} rows. The READ access mode stays the second
 * line of defence should the plan check let a write through.
 */
final class CypherReads {
    private static final Logger LOG = LoggerFactory.getLogger(CypherReads.class);

    private final UserReads reads;
    private final int maxRows;
    private final long maxBytes;
    private final Consumer<ResultSummary> planCheck;

    /**
     * @param maxBytes the byte cap of an answer ({@code MIDA_CYPHER_MAX_BYTES})
     * @param planCheck throws an {@code ApiException} for a plan that must not run
     */
    CypherReads(UserReads reads, int maxRows, long maxBytes, Consumer<ResultSummary> planCheck) {
        this.reads = reads;
        this.maxRows = maxRows;
        this.maxBytes = maxBytes;
        this.planCheck = planCheck;
    }

    CypherAnswer read(CypherRequest request) {
        String query = request.query();
        if (StatementText.severalStatements(query))
            throw ApiException.badRequest("one statement per request: remove the ';' and what follows it");
        // EXPLAIN and PROFILE also after a CYPHER preamble ("CYPHER 5 EXPLAIN …"), in any case: an EXPLAIN
        // answers no rows (a plan is not what this endpoint returns) and a PROFILE's plan is not read here
        StatementText.Statement statement = StatementText.statement(query);
        if (statement.keyword().equals("EXPLAIN") || statement.keyword().equals("PROFILE"))
            throw ApiException.badRequest(statement.keyword()
                    + " is not supported here (the answer is the query's rows, never its plan); send the query"
                    + " itself; to see the Cypher a DSL query runs, POST /api/query with \"explain\": true");
        // =~ runs java.util.regex, which the time limit cannot stop: only patterns with a linear bound run
        CypherRegexes.Bounded bounded = CypherRegexes.bound(query, request.params());
        String explain = bounded.query().substring(0, statement.start())
                + "EXPLAIN "
                + bounded.query().substring(statement.start());
        return reads.run(tx -> {
            ResultSummary plan = tx.run(explain, bounded.params()).consume();
            planCheck.accept(plan);
            if (plan.hasPlan()) CypherRegexes.checkPlan(plan.plan());
            return rows(tx, bounded.query(), bounded.params());
        });
    }

    private CypherAnswer rows(TransactionContext tx, String query, Map<String, Object> params) {
        var values = new CypherValues(maxBytes);
        Result result = tx.run(query, params);
        List<String> columns = result.keys();
        var rows = new ArrayList<Map<String, Object>>();
        while (rows.size() < maxRows && result.hasNext()) rows.add(values.row(result.next()));
        boolean truncated = result.hasNext();
        result.consume(); // discards the rest without reading it
        values.resolveEnds(tx);
        if (truncated) LOG.debug("cypher answer truncated at {} rows", maxRows);
        return new CypherAnswer(columns, rows, truncated);
    }
}
