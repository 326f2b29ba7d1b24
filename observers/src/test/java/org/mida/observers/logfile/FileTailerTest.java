package org.mida.observers.logfile;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTailerTest {

    @TempDir
    Path dir;

    private final List<String> seen = new ArrayList<>();

    private static void append(Path p, String s) throws Exception {
        Files.writeString(p, s, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    @Test
    void hands_out_complete_lines_only() throws Exception {
        Path log = dir.resolve("app.log");
        append(log, "one\r\ntwo\nthr");
        try (FileTailer t = FileTailer.open(log, null)) {
            assertThat(t.poll(seen::add)).isEqualTo(2);
            append(log, "ee\n");
            t.poll(seen::add);
            assertThat(t.poll(seen::add)).isZero();
        }
        assertThat(seen).containsExactly("one", "two", "three");
    }

    @Test
    void waits_for_a_file_that_does_not_exist_yet() throws Exception {
        Path log = dir.resolve("later.log");
        try (FileTailer t = FileTailer.open(log, null)) {
            assertThat(t.poll(seen::add)).isZero();
            append(log, "a\n");
            t.poll(seen::add);
        }
        assertThat(seen).containsExactly("a");
    }

    @Test
    void survives_rename_and_recreate_rotation_without_losing_the_old_files_tail() throws Exception {
        Path log = dir.resolve("app.log");
        append(log, "1\n2\n");
        try (FileTailer t = FileTailer.open(log, null)) {
            t.poll(seen::add);
            append(log, "3\n4"); // written before rotation, not yet read; last line unterminated
            Files.move(log, dir.resolve("app.log.1"));
            append(log, "5\n");
            t.poll(seen::add);
            append(log, "6\n");
            t.poll(seen::add);
        }
        assertThat(seen).containsExactly("1", "2", "3", "4", "5", "6");
    }

    @Test
    void survives_copytruncate_rotation() throws Exception {
        Path log = dir.resolve("app.log");
        append(log, "alpha line one\nalpha line two\n");
        try (FileTailer t = FileTailer.open(log, null)) {
            t.poll(seen::add);
            Files.copy(log, dir.resolve("app.log.1"));
            Files.writeString(log, ""); // truncate
            append(log, "b1\n");
            t.poll(seen::add);
        }
        assertThat(seen).containsExactly("alpha line one", "alpha line two", "b1");
    }

    @Test
    void notices_copytruncate_even_when_the_new_content_is_already_longer() throws Exception {
        Path log = dir.resolve("app.log");
        append(log, "short-1\nshort-2\n");
        try (FileTailer t = FileTailer.open(log, null)) {
            t.poll(seen::add);
            Files.writeString(log, "a much longer first line after truncation\nand another\n");
            t.poll(seen::add);
        }
        assertThat(seen)
                .containsExactly("short-1", "short-2", "a much longer first line after truncation", "and another");
    }

    @Test
    void resumes_after_a_restart_from_the_saved_offset() throws Exception {
        Path log = dir.resolve("app.log");
        Path state = dir.resolve("state.json");
        append(log, "1\n2\n");
        try (FileTailer t = FileTailer.open(log, state)) {
            t.poll(seen::add);
            t.saveState(state);
        }
        append(log, "3\n");
        try (FileTailer t = FileTailer.open(log, state)) {
            t.poll(seen::add);
        }
        assertThat(seen).containsExactly("1", "2", "3");
    }

    @Test
    void after_a_restart_finds_a_file_rotated_meanwhile_and_reads_its_rest_first() throws Exception {
        Path log = dir.resolve("app.log");
        Path state = dir.resolve("state.json");
        append(log, "1\n2\n");
        try (FileTailer t = FileTailer.open(log, state)) {
            t.poll(seen::add);
            t.saveState(state);
        }
        append(log, "3\n");
        Files.move(log, dir.resolve("app.log.1"));
        append(log, "4\n");
        try (FileTailer t = FileTailer.open(log, state)) {
            t.poll(seen::add);
        }
        assertThat(seen).containsExactly("1", "2", "3", "4");
    }

    @Test
    void after_a_restart_rereads_a_file_replaced_by_one_with_other_content() throws Exception {
        Path log = dir.resolve("app.log");
        Path state = dir.resolve("state.json");
        append(log, "first content\n");
        try (FileTailer t = FileTailer.open(log, state)) {
            t.poll(seen::add);
            t.saveState(state);
        }
        Files.writeString(log, "other content, same inode\n");
        try (FileTailer t = FileTailer.open(log, state)) {
            t.poll(seen::add);
        }
        assertThat(seen).containsExactly("first content", "other content, same inode");
    }

    @Test
    void tells_a_rotation_from_a_replacement_and_a_rewrite() throws Exception {
        Path log = dir.resolve("run.log");
        Path state = dir.resolve("run.state");
        var switches = new ArrayList<FileTailer.Switch>();
        append(log, "a\n");
        try (FileTailer t = FileTailer.open(log, state)) {
            t.poll(seen::add, switches::add);
            Files.move(log, dir.resolve("run.log.1")); // rotation: the old file stays
            append(log, "b\n");
            t.poll(seen::add, switches::add);
            Files.delete(log); // a re-run that deletes and recreates
            append(log, "c\n");
            t.poll(seen::add, switches::add);
            Files.writeString(log, "d\n"); // a re-run that rewrites (O_TRUNC)
            t.poll(seen::add, switches::add);
            t.saveState(state, java.util.Map.of("run_id", "r-7"));
        }
        assertThat(switches)
                .containsExactly(
                        FileTailer.Switch.NEW,
                        FileTailer.Switch.ROTATED,
                        FileTailer.Switch.REPLACED,
                        FileTailer.Switch.TRUNCATED);
        assertThat(seen).containsExactly("a", "b", "c", "d");
        assertThat(FileTailer.loadExtra(state)).containsEntry("run_id", "r-7");
        switches.clear();
        try (FileTailer t = FileTailer.open(log, state)) {
            t.poll(seen::add, switches::add);
            assertThat(t.firstLine()).isEqualTo("d");
        }
        assertThat(switches).containsExactly(FileTailer.Switch.RESUMED);
    }
}
