package org.mida.server.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.neo4j.driver.Driver;
import redis.clients.jedis.Jedis;

@ExtendWith(Backends.class)
class BackendsIT {

    @Test
    void reset_empties_graph_and_redis_but_keeps_the_schema(Driver driver) {
        assertThat(Backends.driver()).isSameAs(driver);
        driver.executableQuery(
                        "CREATE CONSTRAINT backends_it_id IF NOT EXISTS FOR (e:BackendsIt) REQUIRE e.id IS UNIQUE")
                .execute();
        driver.executableQuery("UNWIND range(1, 25000) AS i CREATE (:BackendsIt {id: i})-[:R]->(:Other)")
                .execute();
        try (Jedis jedis = new Jedis(URI.create(Backends.redisUri()))) {
            jedis.set("k", "v");
        }

        Backends.reset();

        assertThat(driver.executableQuery("MATCH (n) RETURN count(n) AS n")
                        .execute()
                        .records()
                        .get(0)
                        .get("n")
                        .asLong())
                .isZero();
        assertThat(driver.executableQuery("SHOW CONSTRAINTS YIELD name WHERE name = 'backends_it_id' RETURN name")
                        .execute()
                        .records())
                .hasSize(1);
        try (Jedis jedis = new Jedis(URI.create(Backends.redisUri()))) {
            assertThat(jedis.dbSize()).isZero();
        }
        assertThat(Backends.neo4jUri()).startsWith("bolt://");
        assertThat(Backends.kind()).isIn("docker", "embedded");
    }
}
