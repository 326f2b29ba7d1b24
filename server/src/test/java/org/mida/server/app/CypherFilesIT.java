package org.mida.server.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mida.cypher.Cypher;
import org.mida.server.testing.Backends;
import org.neo4j.driver.Driver;

/** Every .cypher file parses and plans against a real Neo4j, and every one is used by some code. */
@ExtendWith(Backends.class)
class CypherFilesIT {
    private static final Path ROOT = Path.of("..", "cypher", "src", "main", "resources", "cypher");

    static List<String> names() throws IOException {
        try (Stream<Path> files = Files.walk(ROOT)) {
            var names = new ArrayList<String>();
            files.filter(p -> p.toString().endsWith(".cypher")).forEach(p -> {
                String rel = ROOT.relativize(p).toString().replace('\\', '/');
                names.add(rel.substring(0, rel.length() - ".cypher".length()));
            });
            return names;
        }
    }

    @Test
    void every_statement_plans_with_explain(Driver driver) throws IOException {
        List<String> names = names();
        assertThat(names).isNotEmpty();
        try (var session = driver.session()) {
            for (String name : names) {
                String q = Cypher.load(name);
                if (name.startsWith("schema/")) {
                    session.run(q).consume(); // idempotent: IF NOT EXISTS
                } else {
                    session.run("EXPLAIN " + q).consume();
                }
            }
        }
    }

    @Test
    void every_statement_file_is_used_by_the_server() throws IOException {
        String sources;
        try (Stream<Path> files = Files.walk(Path.of("src", "main", "java"))) {
            var sb = new StringBuilder();
            for (Path p : files.filter(f -> f.toString().endsWith(".java")).toList()) sb.append(Files.readString(p));
            sources = sb.toString();
        }
        for (String name : names()) {
            boolean used = sources.contains("\"" + name + "\"") || Cypher.SCHEMA.contains(name);
            assertThat(used)
                    .as("cypher/%s.cypher is not used by any code", name)
                    .isTrue();
        }
    }

    @Test
    void a_missing_statement_fails_at_once() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Cypher.load("no/such"))
                .hasMessageContaining("no/such");
    }
}
