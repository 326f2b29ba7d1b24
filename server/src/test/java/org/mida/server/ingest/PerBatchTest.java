package org.mida.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.mida.cypher.Cypher;

/**
 * The statements run per batch carry {@code CYPHER replan=skip} (plans kept on a filling store), and
 * {@code -Dmida.ingest.replan=default} takes it off again, read on every call (the benchmark alternates both).
 */
class PerBatchTest {

    @Test
    void per_batch_statements_skip_replanning_unless_told_otherwise() {
        String text = Cypher.load("ingest/read-tasks");
        var s = PerBatch.of(text);
        assertThat(s.text()).startsWith("CYPHER replan=skip\n").endsWith(text);
        System.setProperty(PerBatch.PROPERTY, "default");
        try {
            assertThat(s.text()).isEqualTo(text);
        } finally {
            System.clearProperty(PerBatch.PROPERTY);
        }
        assertThat(s.text()).isEqualTo(PerBatch.PREFIX + text);
    }
}
