package org.mida.server.query;

import java.util.LinkedHashMap;
import java.util.Map;
import org.mida.cypher.query.RegexBound;
import org.mida.server.http.ApiException;
import org.mida.server.http.ProblemType;
import org.neo4j.driver.Value;
import org.neo4j.driver.summary.Plan;

/**
 * Bounds the regular expressions of a read-only Cypher query before it reaches Neo4j, whose {@code =~} runs
 * {@code java.util.regex} and cannot be stopped mid-match by the transaction timeout (issue 14: {@code
 * (.*.){20}#} kept a Bolt worker busy for minutes after its 10 s limit). Every {@code =~} must take a string
 * literal or a {@code $parameter} as given (not computed: {@code =~ 'a' + x}, {@code =~ p}, {@code =~
 * $m.key} are refused), whose pattern {@link RegexBound} accepts; the query then runs with each such operand
 * replaced by a parameter of its own holding the pattern in its linear form. The plan is checked again: an
 * {@code =~} whose operand is not one of those parameters is refused.
 */
final class CypherRegexes {
    static final String PREFIX = "_mida_regex";

    private CypherRegexes() {}

    /** The query and parameters to run. */
    record Bounded(String query, Map<String, Object> params) {}

    static Bounded bound(String query, Map<String, Object> params) {
        for (String name : params.keySet())
            if (name.startsWith(PREFIX)) throw invalid("parameter names starting with " + PREFIX + " are reserved");
        var operands = StatementText.regexOperands(query);
        if (operands.isEmpty()) return new Bounded(query, params);
        var text = new StringBuilder(query.length() + 16 * operands.size());
        var p = new LinkedHashMap<String, Object>(params);
        int last = 0, k = 0;
        for (StatementText.RegexOperand op : operands) {
            String operand = query.substring(op.start(), op.end());
            String pattern = switch (op.kind()) {
                case LITERAL -> unquote(operand);
                case PARAMETER -> {
                    String name = operand.substring(1);
                    if (name.startsWith("`"))
                        name = name.substring(1, name.length() - 1).replace("``", "`");
                    if (!(params.get(name) instanceof String s))
                        throw invalid(
                                "the parameter $" + name + " used with =~ must be a string (a regular expression)");
                    yield s;
                }
                case OTHER ->
                    throw invalid("=~ at character " + op.start() + " takes a string literal or a $parameter"
                            + " as it is (its pattern is checked for a time bound before the query runs), not an"
                            + " expression; e.g. n.name =~ $pattern with \"params\": {\"pattern\": \"^train-.*\"}");
            };
            RegexBound.Checked checked = RegexBound.check(pattern);
            if (!checked.accepted())
                throw invalid("the regular expression " + quote(pattern) + " is refused: " + checked.problem());
            String name = PREFIX + k++;
            p.put(name, checked.pattern());
            text.append(query, last, op.start()).append('$').append(name);
            last = op.end();
        }
        text.append(query, last, query.length());
        return new Bounded(text.toString(), p);
    }

    /** Refuses a plan with an {@code =~} whose right side is not one of the parameters {@link #bound} made. */
    static void checkPlan(Plan plan) {
        Value details = plan.arguments().get("Details");
        if (details != null && !details.isNull()) {
            String d = details.asString();
            for (int i = d.indexOf("=~"); i >= 0; i = d.indexOf("=~", i + 2)) {
                String rest = d.substring(i + 2).stripLeading();
                if (!rest.startsWith("$" + PREFIX) && !rest.startsWith("$`" + PREFIX))
                    throw invalid("this query applies =~ to a pattern that was not checked for a time bound; give"
                            + " =~ a string literal or a $parameter as it is");
            }
        }
        for (Plan child : plan.children()) checkPlan(child);
    }

    /** The value of a Cypher string literal (quotes included in {@code literal}). */
    static String unquote(String literal) {
        char q = literal.charAt(0);
        if (literal.length() < 2 || literal.charAt(literal.length() - 1) != q)
            throw invalid("an unterminated string literal after =~");
        var out = new StringBuilder(literal.length());
        for (int i = 1; i < literal.length() - 1; i++) {
            char c = literal.charAt(i);
            if (c != '\\') {
                out.append(c);
                continue;
            }
            char e = literal.charAt(++i);
            switch (e) {
                case '\\', '\'', '"' -> out.append(e);
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'u' -> {
                    out.append((char) Integer.parseInt(literal.substring(i + 1, i + 5), 16));
                    i += 4;
                }
                case 'U' -> {
                    out.appendCodePoint(Integer.parseInt(literal.substring(i + 1, i + 9), 16));
                    i += 8;
                }
                default -> out.append('\\').append(e); // '\d+' means what its writer meant
            }
        }
        return out.toString();
    }

    private static String quote(String pattern) {
        return "'" + (pattern.length() > 80 ? pattern.substring(0, 77) + "..." : pattern) + "'";
    }

    private static ApiException invalid(String detail) {
        return new ApiException(ProblemType.INVALID_QUERY, detail);
    }
}
