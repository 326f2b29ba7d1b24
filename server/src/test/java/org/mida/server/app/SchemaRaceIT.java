package org.mida.server.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mida.cypher.Cypher;
import org.mida.server.backend.EmbeddedNeo4j;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;

/**
 * Several servers started at once on a new store (bench/run faults, two_instances): each applies the
 * schema, and none fails because another one created an index between its SHOW and its CREATE (one
 * failed with "An equivalent index already exists").
 */
class SchemaRaceIT {

    @Test
    void servers_applying_the_schema_at_once_on_a_new_store_all_succeed(@TempDir Path dir) throws Exception {
        try (EmbeddedNeo4j neo4j = EmbeddedNeo4j.start(Files.createDirectories(dir.resolve("neo4j")), 0, "32m");
                Driver driver =
                        GraphDatabase.driver(neo4j.boltUri(), AuthTokens.basic(neo4j.user(), neo4j.password()))) {
            int servers = 4;
            var barrier = new CyclicBarrier(servers);
            var runs = new ArrayList<CompletableFuture<Void>>();
            for (int i = 0; i < servers; i++)
                runs.add(CompletableFuture.runAsync(() -> {
                    try {
                        barrier.await();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    MidaServer.applySchema(driver);
                }));
            for (var r : runs) r.get(); // throws if any server failed to apply the schema
            var names = new java.util.HashSet<String>();
            try (var session = driver.session()) {
                session.run("SHOW CONSTRAINTS YIELD name")
                        .forEachRemaining(r -> names.add(r.get(0).asString()));
                session.run("SHOW INDEXES YIELD name")
                        .forEachRemaining(r -> names.add(r.get(0).asString()));
            }
            var named = java.util.regex.Pattern.compile("(?:CONSTRAINT|INDEX)\\s+(\\w+)\\s+IF NOT EXISTS");
            int checked = 0;
            for (String name : Cypher.SCHEMA) {
                var m = named.matcher(Cypher.load(name));
                if (!m.find()) continue;
                assertThat(names).as("schema rule of %s", name).contains(m.group(1));
                checked++;
            }
            assertThat(checked).isGreaterThan(10);
        }
    }
}
