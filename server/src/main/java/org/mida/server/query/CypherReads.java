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
    private final Consumer<ResultSummary> planCheck;

    /** @param planCheck throws an {@code ApiException} for a plan that must not run */
    CypherReads(UserReads reads, int maxRows, Consumer<ResultSummary> planCheck) {
        this.reads = reads;
        this.maxRows = maxRows;
        this.planCheck = planCheck;
    }

    CypherAnswer read(CypherRequest request) {
        String query = request.query();
        if (StatementText.severalStatements(query))
            throw ApiException.badRequest("one statement per request: remove the ';' and what follows it");
        String first = StatementText.firstKeyword(query);
        if (first.equals("EXPLAIN") || first.equals("PROFILE"))
            throw ApiException.badRequest(first + " is not supported here; send the query itself");
        return reads.run(tx -> {
            planCheck.accept(tx.run("EXPLAIN " + query, request.params()).consume());
            return rows(tx, query, request.params());
        });
    }

    private CypherAnswer rows(TransactionContext tx, String query, Map<String, Object> params) {
        var values = new CypherValues();
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
