package org.mida.server.observerstatus;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.mida.cypher.Cypher;
import org.mida.event.EventCodec;
import org.mida.event.ObserverEvent;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Record;

/** Reads the observers' latest reports ({@code (:Observer)} nodes the ingest keeps), each in one read transaction. */
final class ObserverReads {
    private static final String LIST = Cypher.load("observers/list");
    private static final String ONE = Cypher.load("observers/one");

    /** An observer's latest report and when it reached the server (epoch seconds). */
    record Stored(ObserverEvent report, double receivedAt) {}

    private final Driver driver;
    private final EventCodec codec;

    ObserverReads(Driver driver, EventCodec codec) {
        this.driver = driver;
        this.codec = codec;
    }

    /** Every observer, by {@code observer_id}. */
    List<Stored> all() {
        try (var session = driver.session()) {
            return session.executeRead(tx -> tx.run(LIST).list(this::stored));
        }
    }

    Optional<Stored> one(String observerId) {
        try (var session = driver.session()) {
            return session.executeRead(tx -> tx.run(ONE, Map.of("id", observerId)).list(this::stored).stream()
                    .findFirst());
        }
    }

    private Stored stored(Record r) {
        String json = r.get("json").asString();
        try {
            var report = (ObserverEvent) codec.decodeEvent(codec.parse(json));
            return new Stored(report, r.get("received_at").asDouble());
        } catch (Exception e) {
            throw new IllegalStateException("stored observer report is unreadable: " + json, e);
        }
    }
}
