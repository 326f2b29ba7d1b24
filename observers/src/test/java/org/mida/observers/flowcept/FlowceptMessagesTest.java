package org.mida.observers.flowcept;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mida.event.Event;
import org.mida.event.TaskEvent;
import org.mida.observers.flowcept.FlowceptMessages.Format;
import org.mida.observers.flowcept.FlowceptMessages.Kind;

class FlowceptMessagesTest {

    /**
     * Bytes of Python's {@code msgpack.dumps({"type": "task", "task_id": "1.5", "used": {"x": 3},
     * "started_at": 1.5, "ok": True, "none": None, "b": b"\x00"})} (msgpack 1.x, use_bin_type=True).
     */
    static final byte[] PYTHON_TASK = HexFormat.of()
            .parseHex("87a474797065a47461736ba77461736b5f6964a3312e35a475736564"
                    + "81a17803aa737461727465645f6174cb3ff8000000000000a26f6bc3a46e6f6e65c0a162c40100");

    @Test
    void decodes_python_msgpack_maps() {
        List<Object> msgs = FlowceptMessages.decode(PYTHON_TASK, Format.AUTO);
        assertThat(msgs).hasSize(1);
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) msgs.get(0);
        assertThat(m)
                .containsEntry("type", "task")
                .containsEntry("task_id", "1.5")
                .containsEntry("started_at", 1.5)
                .containsEntry("ok", true)
                .containsEntry("none", null)
                .containsEntry("b", "AA==");
        assertThat(m.get("used")).isEqualTo(Map.of("x", 3L));
        assertThat(FlowceptMessages.kind(m)).isEqualTo(Kind.TASK);
    }

    @Test
    void decodes_json_objects_and_arrays_and_refuses_garbage() {
        var one = FlowceptMessages.decode(
                " {\"type\":\"workflow\",\"workflow_id\":\"w\",\"x\":NaN}".getBytes(StandardCharsets.UTF_8),
                Format.AUTO);
        assertThat(one).hasSize(1);
        var arr = FlowceptMessages.decode(
                "[{\"task_id\":\"a\"},{\"task_id\":\"b\"}]".getBytes(StandardCharsets.UTF_8), Format.AUTO);
        assertThat(arr).hasSize(2);
        assertThatThrownBy(() -> FlowceptMessages.decode(new byte[] {(byte) 0xc1}, Format.AUTO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FlowceptMessages.decode("{oops".getBytes(StandardCharsets.UTF_8), Format.JSON))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FlowceptMessages.decode(new byte[0], Format.AUTO))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void kinds_follow_flowcepts_document_inserter() {
        assertThat(FlowceptMessages.kind(Map.of("type", "workflow"))).isEqualTo(Kind.WORKFLOW);
        assertThat(FlowceptMessages.kind(Map.of("type", "flowcept_control"))).isEqualTo(Kind.CONTROL);
        assertThat(FlowceptMessages.kind(Map.of("type", "agent"))).isEqualTo(Kind.OTHER);
        assertThat(FlowceptMessages.kind(Map.of("type", "object"))).isEqualTo(Kind.OTHER);
        assertThat(FlowceptMessages.kind(Map.of("activity_id", "f"))).isEqualTo(Kind.TASK);
        assertThat(FlowceptMessages.kind(Map.of("workflow_id", "w", "name", "n")))
                .isEqualTo(Kind.WORKFLOW);
        assertThat(FlowceptMessages.kind(Map.of("foo", 1))).isEqualTo(Kind.INVALID);
        assertThat(FlowceptMessages.kind("text")).isEqualTo(Kind.INVALID);
    }

    @Test
    void the_bridge_callback_forwards_tasks_and_counts_the_rest() {
        var out = new ArrayList<Event>();
        var bridge = new FlowceptBridge(FlowceptSettings.defaults());
        bridge.attach(out::add);
        try {
            bridge.callback(PYTHON_TASK);
            bridge.callback("{\"type\":\"flowcept_control\",\"info\":\"stop_document_inserter\"}");
            bridge.callback(Map.of("type", "object", "object_id", "o1"));
            bridge.callback(Map.of("type", "task", "task_id", 12345, "status", "NOPE"));
            bridge.callback(Map.of("task_id", 7, "status", "FINISHED"));
            assertThat(out).hasSize(2);
            var t = (TaskEvent) out.get(0);
            assertThat(t.taskId()).isEqualTo("1.5");
            assertThat(t.used()).isEqualTo(Map.of("x", 3L));
            assertThat(t.extras()).containsEntry("ok", true);
            assertThat(((TaskEvent) out.get(1)).taskId()).isEqualTo("7");
            var s = bridge.stats();
            assertThat(s.received()).isEqualTo(5);
            assertThat(s.forwarded()).isEqualTo(2);
            assertThat(s.control()).isEqualTo(1);
            assertThat(s.skipped()).containsEntry("object", 1L);
            assertThat(s.rejected()).isEqualTo(1);
            assertThat(bridge.lastRejections().get(0)).contains("status");
        } finally {
            bridge.close();
        }
    }
}
