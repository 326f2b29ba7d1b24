package org.mida.server.ingest;

/**
 * The statements the server runs per batch (the ingest's, and the columnar mirror's and the workflow feed
 * index's reads after each commit) with {@code CYPHER replan=skip}: a plan Neo4j has cached is kept even when
 * the store's statistics have moved past the divergence threshold. On a store still filling they move all the
 * time, and Neo4j replanned these statements every {@code min_replan_interval} on the ingest's and the
 * mirror's threads (measured with the JIT warm, issue 15: 2–5 % of the ingest's CPU; the 12.7–14.9 % an
 * earlier profile showed was the planner still being compiled). That is safe only because every lookup these
 * statements make is hinted ({@code USING INDEX SEEK}) and every other node is reached from a bound one:
 * {@code cypher}'s {@code IngestHintsTest} checks the text, {@code IngestPlansIT} and {@code FeedPlansIT} the
 * plans made on an empty and on a filled store. (Issue 12 had taken {@code replan=skip} out when unhinted
 * plans frozen on an empty store scanned.)
 *
 * <p>{@code -Dmida.ingest.replan=default} runs them as before (replanned on divergence), read per call so a
 * benchmark can alternate both in one JVM.
 */
public final class PerBatch {

    public static final String PROPERTY = "mida.ingest.replan";
    static final String PREFIX = "CYPHER replan=skip\n";

    private final String skip;
    private final String plain;

    private PerBatch(String statement) {
        this.plain = statement;
        this.skip = PREFIX + statement;
    }

    /** {@code statement} to be run per batch. */
    public static PerBatch of(String statement) {
        return new PerBatch(statement);
    }

    /** The text to run now: with {@code CYPHER replan=skip} unless {@code mida.ingest.replan=default}. */
    public String text() {
        return "default".equals(System.getProperty(PROPERTY)) ? plain : skip;
    }

    @Override
    public String toString() {
        return text();
    }
}
