package org.mida.server.query;

import java.util.Set;
import org.mida.server.http.ApiException;
import org.mida.server.http.ProblemType;
import org.neo4j.driver.Value;
import org.neo4j.driver.summary.Plan;
import org.neo4j.driver.summary.QueryType;
import org.neo4j.driver.summary.ResultSummary;

/**
 * Decides from a query's EXPLAIN (its type and every operator of its plan) whether /api/cypher may run it.
 * Refused (403): any query type but READ_ONLY (writes, schema and administration commands); {@code LOAD
 * CSV} (reads files and URLs); procedure calls except {@link #PROCEDURES}; {@code SHOW} commands except
 * {@link #SHOW_OPERATORS} (transactions, settings, servers, databases, users… expose other clients' queries
 * or the server's configuration); {@code TERMINATE TRANSACTIONS}; {@code CALL … IN TRANSACTIONS}; anything
 * planned on the {@code system} database. Functions are allowed.
 */
final class ReadOnlyGuard {
    /** Read procedures that only describe the graph's schema. */
    static final Set<String> PROCEDURES = Set.of(
            "db.labels",
            "db.relationshipTypes",
            "db.propertyKeys",
            "db.schema.visualization",
            "db.schema.nodeTypeProperties",
            "db.schema.relTypeProperties");

    /** SHOW commands that list schema and catalogue metadata only. */
    static final Set<String> SHOW_OPERATORS =
            Set.of("ShowIndexes", "ShowConstraints", "ShowFunctions", "ShowProcedures");

    private ReadOnlyGuard() {}

    static void check(ResultSummary summary) {
        QueryType type = summary.queryType();
        if (type != QueryType.READ_ONLY)
            throw refused("only read queries run here, and this one "
                    + switch (type) {
                        case READ_WRITE, WRITE_ONLY -> "writes to the graph";
                        case SCHEMA_WRITE -> "is a schema or administration command";
                        default -> "is of type " + type;
                    });
        if (summary.hasPlan()) check(summary.plan());
    }

    private static void check(Plan plan) {
        String op = plan.operatorType();
        String db = "";
        int at = op.indexOf('@');
        if (at >= 0) {
            db = op.substring(at + 1);
            op = op.substring(0, at);
        }
        if (db.equalsIgnoreCase("system"))
            throw refused("administration commands (the system database) are not allowed");
        if (op.equals("AdministrationCommand")) throw refused("administration commands are not allowed");
        if (op.equals("LoadCSV")) throw refused("LOAD CSV is not allowed (it reads files and URLs)");
        if (op.startsWith("Transaction"))
            throw refused("CALL … IN TRANSACTIONS is not allowed (the query runs in one read transaction)");
        if (op.startsWith("Terminate")) throw refused("TERMINATE commands are not allowed");
        if (op.startsWith("Show") && !SHOW_OPERATORS.contains(op))
            throw refused("this SHOW command is not allowed; SHOW INDEXES, CONSTRAINTS, FUNCTIONS and PROCEDURES are");
        if (op.equals("ProcedureCall")) {
            String name = procedureName(plan);
            if (name == null || !PROCEDURES.contains(name))
                throw refused(
                        "procedure " + (name == null ? "calls are" : "'" + name + "' is") + " not allowed; allowed: "
                                + String.join(", ", PROCEDURES.stream().sorted().toList()));
        }
        for (Plan child : plan.children()) check(child);
    }

    /** The procedure's name from the operator's details, e.g. {@code db.labels() :: (label :: STRING)}. */
    static String procedureName(Plan plan) {
        Value details = plan.arguments().get("Details");
        if (details == null || details.isNull()) return null;
        String d = details.asString();
        int paren = d.indexOf('(');
        if (paren <= 0) return null;
        String name = d.substring(0, paren).trim();
        return name.matches("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*") ? name : null;
    }

    private static ApiException refused(String detail) {
        return new ApiException(ProblemType.READ_ONLY, detail);
    }
}
