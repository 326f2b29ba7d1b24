package org.mida.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.mida.cypher.Cypher;

/**
 * The statements run per batch carry {@code CYPHER replan=skip expressionEngine=interpreted} (plans kept on a
 * filling store; expressions not compiled into classes of each database's own), and {@code
 * -Dmida.ingest.replan=default} / {@code -Dmida.ingest.expressionEngine=default} take each off again, read on
 * every call (the benchmark alternates them).
 */
class PerBatchTest {

    @Test
    void per_batch_statements_skip_replanning_and_interpret_expressions_unless_told_otherwise() {
        String text = Cypher.load("ingest/read-tasks");
        var s = PerBatch.of(text);
        assertThat(s.text())
                .startsWith("CYPHER replan=skip expressionEngine=interpreted\n")
                .endsWith(text);
        System.setProperty(PerBatch.PROPERTY, "default");
        try {
            assertThat(s.text()).isEqualTo("CYPHER expressionEngine=interpreted\n" + text);
            System.setProperty(PerBatch.ENGINE_PROPERTY, "default");
            assertThat(s.text()).isEqualTo(text);
            System.clearProperty(PerBatch.PROPERTY);
            assertThat(s.text()).isEqualTo("CYPHER replan=skip\n" + text);
        } finally {
            System.clearProperty(PerBatch.PROPERTY);
            System.clearProperty(PerBatch.ENGINE_PROPERTY);
        }
        assertThat(s.text()).isEqualTo(PerBatch.PREFIX + text);
    }
}
