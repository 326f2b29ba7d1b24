package org.mida.server.ingest;

/**
 * The statements the server runs per batch (the ingest's, and the columnar mirror's and the workflow feed
 * index's reads after each commit) with {@code CYPHER replan=skip expressionEngine=interpreted}. Replan skip: a plan Neo4j has cached is kept even when
 * the store's statistics have moved past the divergence threshold. On a store still filling they move all the
 * time, and Neo4j replanned these statements every {@code min_replan_interval} on the ingest's and the
 * mirror's threads (measured with the JIT warm, issue 15: 2–5 % of the ingest's CPU; the 12.7–14.9 % an
 * earlier profile showed was the planner still being compiled). That is safe only because every lookup these
 * statements make is hinted ({@code USING INDEX SEEK}) and every other node is reached from a bound one:
 * {@code cypher}'s {@code IngestHintsTest} checks the text, {@code IngestPlansIT} and {@code FeedPlansIT} the
 * plans made on an empty and on a filled store. (Issue 12 had taken {@code replan=skip} out when unhinted
 * plans frozen on an empty store scanned.)
 *
 * <p>And with {@code expressionEngine=interpreted}: Neo4j compiles a hot expression to bytecode, in classes
 * of each database's own plans, which the JIT must then compile again; on the 2-core benchmark machine a
 * freshly started server fell 3–6 s behind 2,000 events/s for its first half minute (visibility p99 3.0–5.9
 * s in its first two 20-s runs), against 0.7–2.6 s with the ingest's expressions interpreted, while the
 * JIT-warm CPU per event was the same (0.99 of it; issue 15, 9th session). Only these statements: the
 * analytics' queries keep Neo4j's default.
 *
 * <p>{@code -Dmida.ingest.replan=default} runs them as before (replanned on divergence), {@code
 * -Dmida.ingest.expressionEngine=default} with Neo4j's expression engine; both read per call so a benchmark
 * can alternate them in one JVM.
 */
public final class PerBatch {

    public static final String PROPERTY = "mida.ingest.replan";
    public static final String ENGINE_PROPERTY = "mida.ingest.expressionEngine";
    static final String PREFIX = "CYPHER replan=skip expressionEngine=interpreted\n";

    /** The texts by {@code replan=skip} (bit 1) and {@code expressionEngine=interpreted} (bit 0). */
    private final String[] texts = new String[4];

    private PerBatch(String statement) {
        texts[0] = statement;
        texts[1] = "CYPHER expressionEngine=interpreted\n" + statement;
        texts[2] = "CYPHER replan=skip\n" + statement;
        texts[3] = PREFIX + statement;
    }

    /** {@code statement} to be run per batch. */
    public static PerBatch of(String statement) {
        return new PerBatch(statement);
    }

    /**
     * The text to run now: with {@code CYPHER replan=skip expressionEngine=interpreted}, less what {@code
     * mida.ingest.replan=default} or {@code mida.ingest.expressionEngine=default} turn off.
     */
    public String text() {
        int skip = "default".equals(System.getProperty(PROPERTY)) ? 0 : 2;
        int interpreted = "default".equals(System.getProperty(ENGINE_PROPERTY)) ? 0 : 1;
        return texts[skip | interpreted];
    }

    @Override
    public String toString() {
        return text();
    }
}
