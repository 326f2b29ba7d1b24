package org.mida.event;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NumericNode;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The Java codec against the golden wire-format files in {@code src/test/resources/wire/} (the Python
 * emitter is tested against the same files): each entry decodes to exactly the expected events and
 * rejections, and the events re-encode to entries that decode to the same events.
 */
class GoldenWireFormatTest {

    static final List<String> FILES =
            List.of("task-valid.json", "workflow-valid.json", "observer-valid.json", "invalid.json");
    private static final ObjectMapper JSON = new ObjectMapper();
    private final EventCodec codec = EventCodec.shared();

    /** Numbers compare by value (1714564800 equals 1714564800.0); everything else as usual. */
    private static final Comparator<JsonNode> BY_VALUE = (a, b) -> {
        if (a instanceof NumericNode x && b instanceof NumericNode y)
            return x.decimalValue().compareTo(y.decimalValue()) == 0 ? 0 : 1;
        return a.equals(b) ? 0 : 1;
    };

    static JsonNode load(String file) throws IOException {
        try (InputStream in = GoldenWireFormatTest.class.getResourceAsStream("/wire/" + file)) {
            assertThat(in).as("golden file %s", file).isNotNull();
            return JSON.readTree(in);
        }
    }

    static String entryText(JsonNode c) throws IOException {
        return c.has("entry_text") ? c.get("entry_text").asText() : JSON.writeValueAsString(c.get("entry"));
    }

    @TestFactory
    Stream<DynamicTest> every_golden_entry_decodes_to_what_the_file_says() throws IOException {
        var tests = new ArrayList<DynamicTest>();
        for (String file : FILES) {
            for (JsonNode c : load(file).get("cases")) {
                tests.add(DynamicTest.dynamicTest(file + ": " + c.get("name").asText(), () -> check(c)));
            }
        }
        return tests.stream();
    }

    private void check(JsonNode c) throws IOException {
        EventCodec.Decoded d = codec.decode(entryText(c));

        JsonNode expectedEvents = c.get("events");
        assertThat(d.events()).hasSize(expectedEvents.size());
        for (int i = 0; i < expectedEvents.size(); i++) {
            JsonNode actual = JSON.readTree(codec.encode(d.events().get(i)));
            assertThat(actual.equals(BY_VALUE, expectedEvents.get(i)))
                    .as("event %d: expected %s, got %s", i, expectedEvents.get(i), actual)
                    .isTrue();
        }

        JsonNode expectedRejections = c.get("rejected");
        assertThat(d.rejections()).hasSize(expectedRejections.size());
        for (int i = 0; i < expectedRejections.size(); i++) {
            JsonNode want = expectedRejections.get(i);
            EventCodec.Rejection got = d.rejections().get(i);
            assertThat(got.reason()).contains(want.get("reason").asText());
            assertThat(got.index())
                    .isEqualTo(
                            want.get("index").isNull()
                                    ? null
                                    : want.get("index").asInt());
            assertThat(got.raw())
                    .as("the refused text is kept for the dead letter")
                    .isNotNull();
        }

        // what an emitter writes for the accepted events decodes to the same events
        if (!d.events().isEmpty()) {
            EventCodec.Decoded again = codec.decode(codec.encodeAll(d.events()));
            assertThat(again.rejections()).isEmpty();
            assertThat(again.events()).isEqualTo(d.events());
        }
    }

    @Test
    void every_event_kind_has_valid_and_invalid_golden_cases() throws IOException {
        var names = new ArrayList<String>();
        for (String file : FILES) for (JsonNode c : load(file).get("cases")) names.add(entryText(c));
        assertThat(names).anyMatch(s -> s.contains("\"type\":\"task\""));
        assertThat(names).anyMatch(s -> s.contains("\"type\":\"workflow\""));
        assertThat(load("invalid.json").get("cases").size()).isGreaterThanOrEqualTo(15);
    }
}
