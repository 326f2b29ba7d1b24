package org.mida.server.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;

class EmbeddedNeo4jIT {

    @TempDir
    Path dir;

    @Test
    void serves_bolt_on_loopback_without_auth_and_keeps_data_across_restarts() {
        int port;
        try (EmbeddedNeo4j neo4j = EmbeddedNeo4j.start(dir, 0, "32m")) {
            port = neo4j.boltPort();
            assertThat(port).isPositive();
            assertThat(neo4j.boltUri()).isEqualTo("bolt://127.0.0.1:" + port);
            try (Driver driver = GraphDatabase.driver(neo4j.boltUri(), AuthTokens.none())) {
                driver.executableQuery("CREATE (:Entity {id: $id})")
                        .withParameters(Map.of("id", "file:///a b/c#d"))
                        .execute();
                assertThat(driver.executableQuery("MATCH (e:Entity) RETURN e.id AS id")
                                .execute()
                                .records())
                        .extracting(r -> r.get("id").asString())
                        .containsExactly("file:///a b/c#d");
            }
        }
        assertThat(dir.resolve("logs/debug.log")).exists();

        try (EmbeddedNeo4j neo4j = EmbeddedNeo4j.start(dir, port);
                Driver driver = GraphDatabase.driver(neo4j.boltUri(), AuthTokens.none())) {
            assertThat(driver.executableQuery("MATCH (e:Entity) RETURN count(e) AS n")
                            .execute()
                            .records()
                            .get(0)
                            .get("n")
                            .asLong())
                    .isEqualTo(1);
        }
    }

    @Test
    void applies_size_based_tx_log_retention_and_the_page_cache_size() {
        try (EmbeddedNeo4j neo4j = EmbeddedNeo4j.start(dir, 0, "48m");
                Driver driver = GraphDatabase.driver(neo4j.boltUri(), AuthTokens.none())) {
            var settings = driver
                    .executableQuery("SHOW SETTINGS YIELD name, value WHERE name IN $names RETURN name, value")
                    .withParameters(Map.of(
                            "names",
                            java.util.List.of(
                                    "db.tx_log.rotation.retention_policy",
                                    "server.memory.pagecache.size",
                                    "dbms.security.auth_enabled",
                                    "server.http.enabled",
                                    "server.bolt.listen_address")))
                    .execute()
                    .records()
                    .stream()
                    .collect(java.util.stream.Collectors.toMap(
                            r -> r.get("name").asString(), r -> r.get("value").asString()));
            assertThat(settings)
                    .containsEntry("db.tx_log.rotation.retention_policy", EmbeddedNeo4j.TX_LOG_RETENTION)
                    .containsEntry("server.memory.pagecache.size", "48.00MiB")
                    .containsEntry("dbms.security.auth_enabled", "false")
                    .containsEntry("server.http.enabled", "false")
                    .containsEntry("server.bolt.listen_address", "127.0.0.1:" + neo4j.boltPort());
        }
    }

    @Test
    void close_is_quick_and_idempotent() {
        EmbeddedNeo4j neo4j = EmbeddedNeo4j.start(dir, 0);
        try (Driver driver = GraphDatabase.driver(neo4j.boltUri(), AuthTokens.none())) {
            driver.verifyConnectivity();
        }
        long t0 = System.nanoTime();
        neo4j.close();
        long millis = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("Embedded Neo4j closed in " + millis + " ms");
        assertThat(millis).isLessThan(5_000);
        neo4j.close();
        assertThat(Procs.portFree(neo4j.boltPort())).isTrue();
    }

    @Test
    void a_busy_bolt_port_fails_clearly() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            assertThatThrownBy(() -> EmbeddedNeo4j.start(dir, taken.getLocalPort()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already in use");
        }
    }
}
