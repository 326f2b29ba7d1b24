package org.mida.server.ingest;

import java.util.List;
import java.util.Map;

/**
 * One open write transaction the ingest reads and writes in, whichever way it reaches Neo4j ({@link
 * IngestTransport}): runs a statement with its parameters (plain Java values: String, Long, Double,
 * Boolean, List, Map) and returns every row it produced, each as a map of column to plain Java value
 * (Long for integers, Double for floats, List for lists and stored arrays, Map for maps; null for null),
 * the same on both transports.
 */
@FunctionalInterface
public interface WriteTransaction {
    List<Map<String, Object>> run(String query, Map<String, Object> parameters);

    /**
     * The embedded database's own transaction this one is, for reads through its core API ({@link
     * NativeReads}); null over the driver (and for test stand-ins), where the ingest runs its Cypher.
     */
    default org.neo4j.graphdb.Transaction nativeTransaction() {
        return null;
    }
}
