package org.mida.cypher.query;

import java.util.regex.Pattern;

/**
 * Field names of the query DSL: a top-level property ({@code ended_at}) or a dotted path into the
 * flattened maps ({@code used.optimizer.lr}), stored as one property named exactly so. Segments are
 * letters, digits, {@code _} and {@code -} (any script); nothing else, so no name can close a backtick
 * quote, start a comment or carry an escape.
 */
public final class Fields {
    /** The longest field name accepted (the ingest does not flatten longer paths either). */
    public static final int MAX_LENGTH = 256;

    private static final Pattern NAME = Pattern.compile("[\\p{L}\\p{N}_-]+(\\.[\\p{L}\\p{N}_-]+)*");

    private Fields() {}

    public static boolean valid(String name) {
        return name != null
                && !name.isEmpty()
                && name.length() <= MAX_LENGTH
                && NAME.matcher(name).matches();
    }

    /** {@code n.`used.layers`}; only for names that are {@link #valid}. */
    static String property(String variable, String name) {
        if (!valid(name)) throw new IllegalArgumentException("not a valid field name");
        return variable + ".`" + name + "`";
    }

    /** A backtick-quoted alias for a column name built from valid names and {@code ( ) *}. */
    static String alias(String column) {
        if (column.indexOf('`') >= 0) throw new IllegalArgumentException("not a valid column name");
        return "`" + column + "`";
    }
}
