package org.mida.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mida.server.testing.TestServer.seconds;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mida.server.testing.Backends;
import org.mida.server.testing.TestServer;

/** Every writer of the graph stores a value as the same property: one owner, {@link NodeProperties}. */
@ExtendWith(Backends.class)
class NodePropertiesIT {

    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    private Object property(String entityId, String key) {
        return server.query("MATCH (e:Entity {id: $id}) RETURN e[$key] AS v", "id", entityId, "key", key)
                .get(0)
                .get("v")
                .asObject();
    }

    @Test
    void an_entity_attribute_from_a_prov_import_and_from_an_event_is_the_same_property() {
        server = TestServer.start();
        server.xadd("""
                {"type":"task","task_id":"t1","used":{"vals":[1,2.5],
                 "data":{"@id":"http://example.org/from-event","http://example.org/vals":[1,2.5],
                         "http://example.org/n":1,"http://example.org/words":["a","b"],
                         "http://example.org/mixed":[1,"a"]}}}""");
        var answer = server.post("/api/prov", """
                {"prefix":{"ex":"http://example.org/"},
                 "entity":{"ex:from-prov":{"ex:vals":[1,2.5],"ex:n":1,"ex:words":["a","b"],"ex:mixed":[1,"a"]}}}""");
        assertThat(answer.status()).as(answer.body()).isEqualTo(202);
        server.awaitIngested(seconds(30));

        for (String key : List.of("vals", "n", "words", "mixed")) {
            String k = "http://example.org/" + key;
            assertThat(property("http://example.org/from-prov", k))
                    .as(key)
                    .isNotNull()
                    .isEqualTo(property("http://example.org/from-event", k));
        }
        assertThat(property("http://example.org/from-prov", "http://example.org/vals"))
                .isEqualTo(List.of(1.0, 2.5));
        assertThat(property("http://example.org/from-prov", "http://example.org/mixed"))
                .isEqualTo("[1,\"a\"]");
        assertThat(server.query("MATCH (t:Task {task_id: 't1'}) RETURN t.`used.vals` AS v")
                        .get(0)
                        .get("v")
                        .asObject())
                .isEqualTo(List.of(1.0, 2.5));
    }
}
