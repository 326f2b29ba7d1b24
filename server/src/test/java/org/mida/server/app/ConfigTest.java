package org.mida.server.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigTest {

    @Test
    void defaults_are_embedded_on_loopback() {
        Config c = Config.defaults();
        assertThat(c.port()).isEqualTo(8080);
        assertThat(c.host()).isEqualTo("127.0.0.1");
        assertThat(c.dataDir()).isEqualTo(Path.of("./mida-data"));
        assertThat(c.boltPort()).isEqualTo(7687);
        assertThat(c.redisPort()).isEqualTo(6379);
        assertThat(c.embeddedNeo4j()).isTrue();
        assertThat(c.embeddedRedis()).isTrue();
        assertThat(c.stream()).isEqualTo("mida:events");
        assertThat(c.deadLetterStream()).isEqualTo("mida:events:dead");
        assertThat(c.apiToken()).isNull();
    }

    @Test
    void flags_win_over_environment_variables() {
        Config c = Config.from(
                Map.of("MIDA_PORT", "9000", "MIDA_REDIS_URI", "redis://r:6379", "MIDA_API_TOKEN", "s3cret"),
                new String[] {"serve", "--port", "9100", "--data-dir=/tmp/x", "--neo4j-uri", "neo4j://db:7687"});
        assertThat(c.port()).isEqualTo(9100);
        assertThat(c.dataDir()).isEqualTo(Path.of("/tmp/x"));
        assertThat(c.embeddedRedis()).isFalse();
        assertThat(c.embeddedNeo4j()).isFalse();
        assertThat(c.apiToken()).isEqualTo("s3cret");
    }

    @Test
    void bad_values_fail_with_the_name_of_the_setting() {
        assertThatThrownBy(() -> Config.from(Map.of("MIDA_PORT", "http"), new String[0]))
                .hasMessageContaining("MIDA_PORT");
        assertThatThrownBy(() -> Config.from(Map.of(), new String[] {"--bolt-port", "70000"}))
                .hasMessageContaining("MIDA_BOLT_PORT");
        assertThatThrownBy(() -> Config.from(Map.of(), new String[] {"--frobnicate", "1"}))
                .hasMessageContaining("--frobnicate");
        assertThatThrownBy(() -> Config.from(Map.of("MIDA_NEO4J_URI", "http://x"), new String[0]))
                .hasMessageContaining("MIDA_NEO4J_URI");
        assertThatThrownBy(() -> Config.from(Map.of(), new String[] {"--port"})).hasMessageContaining("--port");
    }

    @Test
    void copies_change_only_what_they_name() {
        Config base = Config.from(Map.of("MIDA_API_TOKEN", "t", "MIDA_BATCH_SIZE", "77"), new String[0]);
        Config c = base.withPort(0).withBackends("bolt://db:7687", null).withStream("s");
        assertThat(c.port()).isZero();
        assertThat(c.neo4jUri()).isEqualTo("bolt://db:7687");
        assertThat(c.embeddedRedis()).isTrue();
        assertThat(c.stream()).isEqualTo("s");
        assertThat(c.apiToken()).isEqualTo("t");
        assertThat(c.batchSize()).isEqualTo(77);
        assertThat(c.withPort(base.port()).withBackends(null, null).withStream(base.stream()))
                .isEqualTo(base);
        assertThatThrownBy(() -> base.withIngest(0, "x", 1)).hasMessageContaining("MIDA_BATCH_SIZE");
    }

    @Test
    void secrets_are_masked_in_to_string() {
        Config c = Config.from(
                Map.of(
                        "MIDA_API_TOKEN",
                        "tok-123",
                        "MIDA_NEO4J_PASSWORD",
                        "pw-456",
                        "MIDA_REDIS_URI",
                        "redis://user:pw-789@r:6379"),
                new String[0]);
        assertThat(c.toString()).doesNotContain("tok-123", "pw-456", "pw-789");
    }

    @Test
    void cypher_limits_have_defaults_flags_variables_and_bounds() {
        Config d = Config.defaults();
        assertThat(d.cypherTimeoutMs()).isEqualTo(10_000);
        assertThat(d.cypherMaxRows()).isEqualTo(10_000);
        Config c = Config.from(
                Map.of("MIDA_CYPHER_TIMEOUT_MS", "1500", "MIDA_CYPHER_MAX_ROWS", "7"),
                new String[] {"--cypher-max-rows=9"});
        assertThat(c.cypherTimeoutMs()).isEqualTo(1500);
        assertThat(c.cypherMaxRows()).isEqualTo(9);
        assertThat(d.withCypherLimits(1000, 5).cypherMaxRows()).isEqualTo(5);
        assertThat(d.withCypherLimits(1000, 5).withPort(1).cypherTimeoutMs()).isEqualTo(1000);
        assertThatThrownBy(() -> Config.from(Map.of("MIDA_CYPHER_TIMEOUT_MS", "0"), new String[0]))
                .hasMessageContaining("MIDA_CYPHER_TIMEOUT_MS");
        assertThatThrownBy(() -> Config.from(Map.of(), new String[] {"--cypher-max-rows", "lots"}))
                .hasMessageContaining("MIDA_CYPHER_MAX_ROWS");
        assertThatThrownBy(() -> d.withCypherLimits(10, 0)).hasMessageContaining("MIDA_CYPHER_MAX_ROWS");
        assertThat(Config.help()).contains("--cypher-timeout-ms", "[default: 10000]");
    }

    @Test
    void observer_silence_has_defaults_flags_variables_and_bounds() {
        Config d = Config.defaults();
        assertThat(d.observerSilentFactor()).isEqualTo(3.0);
        assertThat(d.observerSilentMinS()).isEqualTo(30.0);
        Config c = Config.from(
                Map.of("MIDA_OBSERVER_SILENT_FACTOR", "2.5", "MIDA_OBSERVER_SILENT_MIN_S", "5"),
                new String[] {"--observer-silent-min-s=1"});
        assertThat(c.observerSilentFactor()).isEqualTo(2.5);
        assertThat(c.observerSilentMinS()).isEqualTo(1.0);
        assertThat(d.withObserverSilence(1, 0.5).withPort(1).observerSilentMinS())
                .isEqualTo(0.5);
        assertThatThrownBy(() -> Config.from(Map.of("MIDA_OBSERVER_SILENT_FACTOR", "0.5"), new String[0]))
                .hasMessageContaining("MIDA_OBSERVER_SILENT_FACTOR");
        assertThatThrownBy(() -> Config.from(Map.of(), new String[] {"--observer-silent-min-s", "soon"}))
                .hasMessageContaining("MIDA_OBSERVER_SILENT_MIN_S");
        assertThatThrownBy(() -> d.withObserverSilence(3, -1)).hasMessageContaining("MIDA_OBSERVER_SILENT_MIN_S");
        assertThat(d.toString()).contains("observerSilentFactor=3.0");
    }

    @Test
    void help_lists_every_setting() {
        String help = Config.help();
        for (Config.Setting s : Config.Setting.values()) assertThat(help).contains(s.flag, s.env);
    }

    @Test
    void the_openlineage_campaign_comes_from_its_variable_or_flag_and_is_checked() {
        assertThat(Config.defaults().openLineageCampaign()).isNull();
        assertThat(Config.from(Map.of("MIDA_OPENLINEAGE_CAMPAIGN", "etl"), new String[0])
                        .openLineageCampaign())
                .isEqualTo("etl");
        assertThat(Config.from(Map.of("MIDA_OPENLINEAGE_CAMPAIGN", "etl"), new String[] {"--openlineage-campaign=ml"})
                        .openLineageCampaign())
                .isEqualTo("ml");
        assertThat(Config.defaults().withOpenLineageCampaign("c").withPort(0).openLineageCampaign())
                .isEqualTo("c");
        assertThatThrownBy(() -> Config.defaults().withOpenLineageCampaign("c".repeat(1025)))
                .hasMessageContaining("MIDA_OPENLINEAGE_CAMPAIGN");
    }

    @Test
    void the_neo4j_transaction_memory_limit_is_a_size_zero_for_none_unset_for_the_default() {
        assertThat(Config.defaults().neo4jTxMaxMemory()).isEqualTo(-1);
        assertThat(Config.from(Map.of("MIDA_NEO4J_TX_MAX_MEMORY", "1gb"), new String[0])
                        .neo4jTxMaxMemory())
                .isEqualTo(1L << 30);
        assertThat(Config.from(Map.of(), new String[] {"--neo4j-tx-max-memory", "0"})
                        .neo4jTxMaxMemory())
                .isZero();
        assertThat(Config.defaults().withNeo4jTxMaxMemory(512L << 20).neo4jTxMaxMemory())
                .isEqualTo(512L << 20);
        assertThatThrownBy(() -> Config.from(Map.of("MIDA_NEO4J_TX_MAX_MEMORY", "512"), new String[0]))
                .hasMessageContaining("MIDA_NEO4J_TX_MAX_MEMORY");
        assertThatThrownBy(() -> Config.from(Map.of("MIDA_NEO4J_TX_MAX_MEMORY", "lots"), new String[0]))
                .hasMessageContaining("MIDA_NEO4J_TX_MAX_MEMORY");
    }
}
