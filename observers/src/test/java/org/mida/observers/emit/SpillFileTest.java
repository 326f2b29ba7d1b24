package org.mida.observers.emit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpillFileTest {

    @TempDir
    Path dir;

    @Test
    void holds_one_json_array_per_line_in_append_order() throws Exception {
        try (SpillFile f = SpillFile.create(dir, "mida-s")) {
            f.append(List.of("[{\"task_id\":\"a\"},{\"task_id\":\"b\"}]", "[{\"task_id\":\"c\"}]"));
            f.append(List.of("[{\"task_id\":\"d\"}]"));
            assertThat(Files.readAllLines(f.path()))
                    .containsExactly(
                            "[{\"task_id\":\"a\"},{\"task_id\":\"b\"}]",
                            "[{\"task_id\":\"c\"}]",
                            "[{\"task_id\":\"d\"}]");
            assertThat(f.path().getFileName().toString()).startsWith("mida-s-").endsWith(SpillFile.SUFFIX);
        }
    }

    @Test
    void reads_lines_in_order_and_consumes_only_what_is_advanced() throws Exception {
        try (SpillFile f = SpillFile.create(dir, "mida-s")) {
            f.append(List.of("[1,2]", "[3]", "[4,5,6]"));
            List<SpillFile.Line> first = f.next(2);
            assertThat(first).extracting(SpillFile.Line::entry).containsExactly("[1,2]", "[3]");
            assertThat(first).extracting(SpillFile.Line::events).containsExactly(2, 1);
            assertThat(f.next(2)).extracting(SpillFile.Line::entry).containsExactly("[1,2]", "[3]"); // not consumed
            f.advance(first.get(1).end());
            assertThat(f.next(10)).extracting(SpillFile.Line::entry).containsExactly("[4,5,6]");
            f.advance(f.next(10).get(0).end());
            assertThat(f.hasPending()).isFalse();
            f.append(List.of("[7]"));
            assertThat(f.hasPending()).isTrue();
            f.reset();
            assertThat(Files.size(f.path())).isZero();
            assertThat(f.hasPending()).isFalse();
        }
    }

    @Test
    void a_torn_last_line_counts_zero_events() throws Exception {
        Path p;
        try (SpillFile f = SpillFile.create(dir, "mida-s")) {
            f.append(List.of("[{\"a\":1}]"));
            p = f.path();
        }
        Files.writeString(p, "[{\"b\":", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        try (SpillFile f = SpillFile.claim(p).orElseThrow()) {
            List<SpillFile.Line> lines = f.next(10);
            assertThat(lines).extracting(SpillFile.Line::events).containsExactly(1, 0);
            assertThat(lines.get(1).end()).isEqualTo(Files.size(p));
        }
    }

    @Test
    void a_file_held_by_a_live_emitter_cannot_be_claimed() throws Exception {
        try (SpillFile f = SpillFile.create(dir, "mida-s")) {
            assertThat(SpillFile.claim(f.path())).isEmpty();
        }
    }

    @Test
    void lists_spill_files_oldest_first() throws Exception {
        Files.writeString(dir.resolve("mida-s-0000000000002-1-1" + SpillFile.SUFFIX), "");
        Files.writeString(dir.resolve("mida-s-0000000000001-1-1" + SpillFile.SUFFIX), "");
        Files.writeString(dir.resolve("other.txt"), "");
        assertThat(SpillFile.list(dir))
                .extracting(p -> p.getFileName().toString())
                .containsExactly(
                        "mida-s-0000000000001-1-1" + SpillFile.SUFFIX, "mida-s-0000000000002-1-1" + SpillFile.SUFFIX);
    }

    @Test
    void counts_events_of_arrays_objects_and_garbage() {
        assertThat(SpillFile.countEvents("[{\"a\":[1,{\"b\":2}]},{}]")).isEqualTo(2);
        assertThat(SpillFile.countEvents("{\"a\":1}")).isEqualTo(1);
        assertThat(SpillFile.countEvents("[]")).isZero();
        assertThat(SpillFile.countEvents("[{\"a\"")).isZero();
        assertThat(SpillFile.countEvents("")).isZero();
    }
}
