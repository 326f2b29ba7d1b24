package org.mida.server.backend;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: docker-compose.yml published Redis on every interface without a password and gave Neo4j
 * a default password. Secrets now come from the environment with no fallback ({@code ${VAR:?…}}:
 * compose refuses to start without them) and Redis is published on loopback unless asked.
 */
class DockerComposeTest {
    private static String compose() throws IOException {
        Path p = Path.of("..", "docker-compose.yml");
        if (!Files.exists(p)) p = Path.of("docker-compose.yml");
        return Files.readString(p);
    }

    @Test
    void secrets_are_required_from_the_environment_with_no_default() throws IOException {
        String c = compose();
        assertThat(c).doesNotContain("change-me").doesNotContain("NEO4J_AUTH: none");
        assertThat(c).contains("NEO4J_AUTH: neo4j/${MIDA_NEO4J_PASSWORD:?");
        assertThat(c).contains("MIDA_NEO4J_PASSWORD: ${MIDA_NEO4J_PASSWORD:?");
        assertThat(c).contains("REDIS_PASSWORD: ${MIDA_REDIS_PASSWORD:?").contains("requirepass");
        // every Redis URI carries the password; no MIDA_*PASSWORD falls back to a default
        var uri = Pattern.compile("redis://(.*?)@redis:6379").matcher(c);
        int uris = 0;
        while (uri.find()) {
            uris++;
            assertThat(uri.group(1)).startsWith(":${MIDA_REDIS_PASSWORD:?");
        }
        assertThat(uris).isGreaterThanOrEqualTo(2);
        assertThat(c).doesNotContainPattern("redis://redis:6379");
        assertThat(c).doesNotContainPattern("PASSWORD:-");
    }

    @Test
    void redis_is_not_published_on_every_interface_by_default() throws IOException {
        String c = compose();
        assertThat(c).doesNotContainPattern("(?m)^\\s*- \"6379:6379\"");
        assertThat(c).contains("\"${MIDA_REDIS_BIND:-127.0.0.1}:6379:6379\"");
    }
}
