package org.mida.server.backend;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EmbeddedRedisTest {

    @Test
    void the_binary_for_this_platform_is_on_the_classpath() {
        String resource = EmbeddedRedis.binaryResource();
        assertThat(resource).startsWith("redis-server-");
        assertThat(EmbeddedRedis.class.getClassLoader().getResource(resource)).isNotNull();
    }
}
