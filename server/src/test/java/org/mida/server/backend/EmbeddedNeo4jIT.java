package org.mida.server.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.nio.file.Files;
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
    void serves_bolt_on_loopback_with_auth_and_keeps_data_across_restarts() {
        int port;
        try (EmbeddedNeo4j neo4j = EmbeddedNeo4j.start(dir, 0, "32m")) {
            port = neo4j.boltPort();
            assertThat(port).isPositive();
            assertThat(neo4j.boltUri()).isEqualTo("bolt://127.0.0.1:" + port);
            try (Driver driver = GraphDatabase.driver(neo4j.boltUri(), auth(neo4j))) {
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
                Driver driver = GraphDatabase.driver(neo4j.boltUri(), auth(neo4j))) {
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
                Driver driver = GraphDatabase.driver(neo4j.boltUri(), auth(neo4j))) {
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
                    .containsEntry("dbms.security.auth_enabled", "true")
                    .containsEntry("server.http.enabled", "false")
                    .containsEntry("server.bolt.listen_address", "127.0.0.1:" + neo4j.boltPort());
        }
    }

    static org.neo4j.driver.AuthToken auth(EmbeddedNeo4j neo4j) {
        return AuthTokens.basic(neo4j.user(), neo4j.password());
    }

    /** The attack of issue 14: any local user connected to Bolt and wrote nodes, no password asked. */
    @Test
    void bolt_refuses_clients_without_the_password_and_the_default_one() throws Exception {
        try (EmbeddedNeo4j neo4j = EmbeddedNeo4j.start(dir, 0, "32m")) {
            for (var token : java.util.List.of(
                    AuthTokens.none(),
                    AuthTokens.basic("neo4j", "neo4j"),
                    AuthTokens.basic("neo4j", neo4j.password() + "x"))) {
                try (Driver intruder = GraphDatabase.driver(neo4j.boltUri(), token)) {
                    assertThatThrownBy(() -> intruder.executableQuery("CREATE (:Planted)")
                                    .execute())
                            .isInstanceOf(org.neo4j.driver.exceptions.AuthenticationException.class);
                }
            }
            try (Driver owner = GraphDatabase.driver(neo4j.boltUri(), auth(neo4j))) {
                assertThat(owner.executableQuery("MATCH (p:Planted) RETURN count(p) AS n")
                                .execute()
                                .records()
                                .get(0)
                                .get("n")
                                .asLong())
                        .isZero();
            }
            Path pw = dir.resolve(EmbeddedNeo4j.PASSWORD_FILE);
            assertThat(Files.readString(pw).strip()).isEqualTo(neo4j.password());
            assertThat(neo4j.password()).hasSizeGreaterThanOrEqualTo(40);
            if (java.nio.file.FileSystems.getDefault()
                    .supportedFileAttributeViews()
                    .contains("posix")) {
                assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(pw)))
                        .isEqualTo("rw-------");
                assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)))
                        .isEqualTo("rwx------");
            }
        }
    }

    /** Rotation as docs/SECURITY.md tells it: delete the password file, restart. */
    @Test
    void a_deleted_password_file_rotates_the_password_at_the_next_start() throws Exception {
        String old;
        try (EmbeddedNeo4j neo4j = EmbeddedNeo4j.start(dir, 0, "32m")) {
            old = neo4j.password();
        }
        Files.delete(dir.resolve(EmbeddedNeo4j.PASSWORD_FILE));
        try (EmbeddedNeo4j neo4j = EmbeddedNeo4j.start(dir, 0, "32m")) {
            assertThat(neo4j.password()).isNotEqualTo(old);
            try (Driver stale = GraphDatabase.driver(neo4j.boltUri(), AuthTokens.basic("neo4j", old))) {
                assertThatThrownBy(stale::verifyConnectivity)
                        .isInstanceOf(org.neo4j.driver.exceptions.AuthenticationException.class);
            }
            try (Driver owner = GraphDatabase.driver(neo4j.boltUri(), auth(neo4j))) {
                owner.verifyConnectivity();
            }
        }
        // and the same file again: the same password, no error
        try (EmbeddedNeo4j neo4j = EmbeddedNeo4j.start(dir, 0, "32m");
                Driver owner = GraphDatabase.driver(neo4j.boltUri(), auth(neo4j))) {
            owner.verifyConnectivity();
        }
    }

    @Test
    void close_is_quick_and_idempotent() {
        EmbeddedNeo4j neo4j = EmbeddedNeo4j.start(dir, 0);
        try (Driver driver = GraphDatabase.driver(neo4j.boltUri(), auth(neo4j))) {
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
