package org.mida.server.stream;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.mida.event.Event;
import org.mida.event.EventCodec;
import org.mida.event.Status;
import org.mida.event.TaskEvent;
import org.mida.event.WorkflowEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class TaskBroadcasterTest {
    private static final Logger LOG = LoggerFactory.getLogger(TaskBroadcasterTest.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static TaskEvent task(String id, String wf, String campaign, Status status) {
        return TaskEvent.builder(id)
                .workflowId(wf)
                .campaignId(campaign)
                .status(status)
                .startedAt(10.0)
                .endedAt(status == Status.FINISHED ? 12.5 : null)
                .build();
    }

    @Test
    void subscribers_get_only_what_their_filters_match_in_order() throws Exception {
        var b = new TaskBroadcaster(MAPPER);
        var all = b.subscribe(Set.of(), Set.of(), Set.of());
        var wf1 = b.subscribe(Set.of("wf1", "wf3"), Set.of(), Set.of("task"));
        var camp = b.subscribe(Set.of(), Set.of("c2"), Set.of());
        b.publish(List.of(
                task("a", "wf1", "c1", Status.RUNNING),
                task("b", "wf2", "c2", Status.RUNNING),
                WorkflowEvent.of("wf2", "c2", "second"),
                task("a", "wf1", "c1", Status.FINISHED)));
        assertThat(drain(all))
                .extracting(TaskBroadcaster.Message::name)
                .containsExactly("task", "task", "workflow", "task");
        List<TaskBroadcaster.Message> got = drain(wf1);
        assertThat(got).hasSize(2);
        var first = MAPPER.readTree(got.get(0).data());
        var second = MAPPER.readTree(got.get(1).data());
        assertThat(first.get("status").asText()).isEqualTo("RUNNING");
        assertThat(second.get("status").asText()).isEqualTo("FINISHED");
        assertThat(second.get("duration").asDouble()).isEqualTo(2.5);
        assertThat(got.get(1).id()).isGreaterThan(got.get(0).id());
        assertThat(drain(camp)).extracting(TaskBroadcaster.Message::name).containsExactly("task", "workflow");
    }

    @Test
    void payloads_are_the_merged_state_with_every_key_nulls_included() {
        var b = new TaskBroadcaster(EventCodec.shared().mapper());
        var s = b.subscribe(Set.of(), Set.of(), Set.of());
        b.publish(List.of(
                TaskEvent.builder("t/1 \"ü\"")
                        .workflowId("wf")
                        .activityId("train")
                        .status(Status.FINISHED)
                        .startedAt(1_714_550_400.5)
                        .endedAt(1_714_550_402.0)
                        .hostname("node-1")
                        .build(),
                TaskEvent.builder("t2").build(),
                WorkflowEvent.of("wf", "c", "prep")));
        List<TaskBroadcaster.Message> got = drain(s);
        assertThat(got).extracting(TaskBroadcaster.Message::name).containsExactly("task", "task", "workflow");
        assertThat(got.get(0).data())
                .isEqualTo("{\"task_id\":\"t/1 \\\"ü\\\"\",\"workflow_id\":\"wf\",\"campaign_id\":null,"
                        + "\"activity_id\":\"train\",\"status\":\"FINISHED\",\"submitted_at\":null,"
                        + "\"started_at\":1714550400.5,\"ended_at\":1714550402,\"duration\":1.5,"
                        + "\"hostname\":\"node-1\",\"user\":null}");
        assertThat(got.get(1).data())
                .isEqualTo("{\"task_id\":\"t2\",\"workflow_id\":null,\"campaign_id\":null,\"activity_id\":null,"
                        + "\"status\":null,\"submitted_at\":null,\"started_at\":null,\"ended_at\":null,"
                        + "\"duration\":null,\"hostname\":null,\"user\":null}");
        assertThat(got.get(2).data())
                .isEqualTo("{\"workflow_id\":\"wf\",\"campaign_id\":\"c\",\"name\":\"prep\","
                        + "\"parent_workflow_id\":null,\"status\":null,\"started_at\":null,\"ended_at\":null}");
        assertThat(got.get(0).workflowId()).isEqualTo("wf");
        assertThat(got.get(2).campaignId()).isEqualTo("c");
    }

    @Test
    void a_dropped_event_says_how_many_messages_were_missed() {
        var b = new TaskBroadcaster(EventCodec.shared().mapper());
        assertThat(StreamRoutes.event("dropped", b.json(new StreamRoutes.Dropped(7)), null))
                .isEqualTo("event: dropped\ndata: {\"dropped\":7}\n\n");
        assertThat(StreamRoutes.event("task", "{\"a\":1}", "12")).isEqualTo("id: 12\nevent: task\ndata: {\"a\":1}\n\n");
    }

    @Test
    void a_slow_subscriber_loses_the_oldest_messages_and_is_told_how_many() {
        var b = new TaskBroadcaster(MAPPER, 3);
        var s = b.subscribe(Set.of(), Set.of(), Set.of());
        var events = new ArrayList<Event>();
        for (int i = 0; i < 10; i++) events.add(task("t" + i, "wf", null, Status.RUNNING));
        b.publish(events);
        assertThat(s.takeDropped()).isEqualTo(7);
        assertThat(s.takeDropped()).isZero();
        assertThat(drain(s))
                .extracting(m -> m.data().substring(0, 16))
                .containsExactly("{\"task_id\":\"t7\",", "{\"task_id\":\"t8\",", "{\"task_id\":\"t9\",");
    }

    @Test
    void closing_removes_the_subscriber_and_wakes_its_reader() throws Exception {
        var b = new TaskBroadcaster(MAPPER);
        var s = b.subscribe(Set.of(), Set.of(), Set.of());
        assertThat(b.subscriberCount()).isEqualTo(1);
        var reader = new Thread(() -> s.next(60, TimeUnit.SECONDS));
        reader.start();
        Thread.sleep(100);
        long t0 = System.nanoTime();
        b.close();
        reader.join(5_000);
        assertThat(reader.isAlive()).isFalse();
        assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(2));
        assertThat(b.subscriberCount()).isZero();
        assertThat(b.subscribe(Set.of(), Set.of(), Set.of()).closed()).isTrue();
    }

    @Test
    void a_waiting_reader_wakes_up_when_a_message_arrives() throws Exception {
        var b = new TaskBroadcaster(MAPPER);
        var s = b.subscribe(Set.of(), Set.of(), Set.of());
        var got = new TaskBroadcaster.Message[1];
        var reader = new Thread(() -> got[0] = s.next(30, TimeUnit.SECONDS));
        reader.start();
        Thread.sleep(100);
        b.publish(List.of(task("x", "wf", null, Status.RUNNING)));
        reader.join(5_000);
        assertThat(got[0]).isNotNull();
        assertThat(s.next(10, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void publishing_with_no_subscriber_costs_next_to_nothing() {
        var b = new TaskBroadcaster(MAPPER);
        var batch = new ArrayList<Event>();
        for (int i = 0; i < 5_000; i++) batch.add(task("t" + i, "wf", "c", Status.FINISHED));
        for (int i = 0; i < 100_000; i++) b.publish(batch); // warm-up
        int calls = 1_000_000;
        long t0 = System.nanoTime();
        for (int i = 0; i < calls; i++) b.publish(batch);
        double nsPerBatch = (System.nanoTime() - t0) / (double) calls;
        // and with one subscriber, for comparison: what the ingest thread pays (the JSON is the reader's)
        var s = b.subscribe(Set.of(), Set.of(), Set.of());
        for (int i = 0; i < 50; i++) {
            b.publish(batch);
            while (s.next(0, TimeUnit.MILLISECONDS) != null) {}
        }
        long t1 = System.nanoTime();
        for (int i = 0; i < 50; i++) {
            b.publish(batch);
            while (s.next(0, TimeUnit.MILLISECONDS) != null) {}
        }
        double msPerBatchWithOne = (System.nanoTime() - t1) / 50 / 1e6;
        LOG.info(
                "publish of a 5,000-task batch: {} ns with no subscriber, {} ms with one",
                String.format("%.1f", nsPerBatch),
                String.format("%.2f", msPerBatchWithOne));
        assertThat(nsPerBatch).isLessThan(1_000);
    }

    private static List<TaskBroadcaster.Message> drain(TaskBroadcaster.Subscriber s) {
        var out = new ArrayList<TaskBroadcaster.Message>();
        TaskBroadcaster.Message m;
        while ((m = s.next(0, TimeUnit.MILLISECONDS)) != null) out.add(m);
        return out;
    }
}
