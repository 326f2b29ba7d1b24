package org.mida.server.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The default consumer name: one per server process reading one Redis, the same after a restart. */
class ConsumerNameTest {

    @Test
    void two_servers_on_one_host_get_distinct_default_names() {
        Config a = Config.from(Map.of("MIDA_PORT", "8080"), new String[0]);
        Config b = Config.from(Map.of("MIDA_PORT", "8081"), new String[0]);
        assertThat(a.consumerName()).startsWith("mida-").endsWith("-8080");
        assertThat(b.consumerName()).endsWith("-8081");
        assertThat(a.consumerName()).isNotEqualTo(b.consumerName());
    }

    @Test
    void a_restarted_server_keeps_its_name_so_it_re_reads_its_own_pending_entries() {
        assertThat(Config.from(Map.of("MIDA_PORT", "9100"), new String[0]).consumerName())
                .isEqualTo(
                        Config.from(Map.of(), new String[] {"--port", "9100"}).consumerName());
    }

    @Test
    void a_random_port_names_the_process_and_a_set_name_wins() {
        assertThat(Config.defaultConsumerName("h1", 0, 4242)).isEqualTo("mida-h1-pid4242");
        assertThat(Config.defaultConsumerName("h1", 0, 4242)).isNotEqualTo(Config.defaultConsumerName("h1", 0, 4243));
        assertThat(Config.defaultConsumerName("h1", 8080, 4242)).isEqualTo("mida-h1-8080");
        assertThat(Config.defaults().withPort(0).consumerName())
                .endsWith("-pid" + ProcessHandle.current().pid());
        assertThat(Config.from(Map.of("MIDA_CONSUMER_NAME", "ingest-7"), new String[0])
                        .consumerName())
                .isEqualTo("ingest-7");
        assertThat(Config.defaults().withPort(0).toString()).contains("consumerName=mida-");
    }
}
