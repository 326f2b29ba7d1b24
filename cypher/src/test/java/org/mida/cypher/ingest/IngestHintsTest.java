package org.mida.cypher.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.mida.cypher.Cypher;

/**
 * Every node an ingest statement matches by its key is sought through the key's index by a hint ({@code USING
 * INDEX SEEK}), and every other node it reaches is expanded from a bound one: no statement leaves the choice
 * between a seek and a scan to the planner. On a store still filling (index statistics behind the data) Neo4j
 * planned scans per row for unhinted lookups, and a plan made then stays cached (issue 15; move-generations
 * scanned Entity.id on a clean-clone CI run). The server's ingest/IngestPlansIT checks the plans themselves on a
 * filled store; this closes the class of problem for statements added or edited later, without a database.
 * MERGE takes no hint: on a uniquely constrained key Neo4j always plans it as a locking unique seek
 * (IngestPlansIT checks that).
 */
class IngestHintsTest {

    /** A MATCH whose first node is not bound yet: {@code MATCH (v:Label ...}. */
    private static final Pattern LABELLED = Pattern.compile("^\\s*(?:OPTIONAL\\s+)?MATCH\\s+\\((\\w*):(\\w+)(.*)$");

    /** Its key: {@code {key: ...}} right after the label. */
    private static final Pattern KEYED = Pattern.compile("^\\s*\\{(\\w+):[^}]*\\}\\).*$");

    static List<Path> statements() throws IOException, URISyntaxException {
        Path dir = Path.of(Cypher.class.getResource("/cypher/ingest").toURI());
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".cypher")).sorted().toList();
        }
    }

    /** What is wrong with one statement's lookups; empty when every one is hinted. */
    static List<String> problems(String name, String text) {
        var out = new ArrayList<String>();
        String[] lines = text.split("\n");
        for (int i = 0; i < lines.length; i++) {
            var m = LABELLED.matcher(lines[i]);
            if (!m.matches()) continue;
            String var = m.group(1), label = m.group(2);
            var key = KEYED.matcher(m.group(3));
            if (var.isEmpty() || !key.matches()) {
                out.add(name + ":" + (i + 1) + " matches " + label + " nodes not by their key: " + lines[i].strip());
                continue;
            }
            String hint = "USING INDEX SEEK " + var + ":" + label + "(" + key.group(1) + ")";
            String next = i + 1 < lines.length ? lines[i + 1].strip() : "";
            if (!next.equals(hint)) out.add(name + ":" + (i + 1) + " lacks `" + hint + "` on the next line");
        }
        return out;
    }

    @Test
    void every_key_lookup_of_every_ingest_statement_is_hinted() throws Exception {
        var statements = statements();
        assertThat(statements).hasSizeGreaterThanOrEqualTo(24);
        var bad = new ArrayList<String>();
        for (Path p : statements) {
            String name = p.getFileName().toString().replace(".cypher", "");
            bad.addAll(problems(name, Cypher.load("ingest/" + name)));
        }
        assertThat(bad).isEmpty();
    }

    /**
     * The columnar mirror's and the workflow feed index's reads, run after every committed batch (the server
     * runs them, as the ingest's own statements, with {@code CYPHER replan=skip}: a plan made on an empty store
     * is kept): hinted like the ingest's, and every pattern after the seek expands from a bound node to an
     * unlabelled one (labels and properties read after the expansion; see lineage/feeds-entities.cypher).
     */
    static final List<String> PER_BATCH_READS =
            List.of("query/mirror-tasks", "lineage/feeds-entities", "lineage/feeds-informed");

    /** A relationship pattern whose far end names a label: {@code ->(p:Task)}, {@code -(:Version)}. */
    private static final Pattern LABELLED_FAR_END = Pattern.compile("[->]\\(\\w*:\\w+");

    static List<String> farEndLabels(String name, String text) {
        var out = new ArrayList<String>();
        String[] lines = text.split("\n");
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].strip().startsWith("//")) continue;
            if (LABELLED_FAR_END.matcher(lines[i]).find())
                out.add(name + ":" + (i + 1) + " names a label at a pattern's far end: " + lines[i].strip());
        }
        return out;
    }

    @Test
    void the_mirror_and_feed_index_per_batch_reads_are_hinted_and_expand_from_bound_nodes() {
        var bad = new ArrayList<String>();
        for (String name : PER_BATCH_READS) {
            String text = Cypher.load(name);
            assertThat(text).as(name).contains("USING INDEX SEEK");
            bad.addAll(problems(name, text));
            bad.addAll(farEndLabels(name, text));
        }
        assertThat(bad).isEmpty();
        assertThat(farEndLabels("x", "MATCH (t:Task {task_id: $id})\nMATCH (t)-[:USED]->(e:Entity)\nRETURN e"))
                .hasSize(1);
        assertThat(farEndLabels("x", "MATCH (t)-[:USED]->(e)\nWHERE e:Entity\nRETURN e"))
                .isEmpty();
    }

    @Test
    void an_unhinted_lookup_is_found() {
        assertThat(problems("x", "UNWIND $rows AS r\nMATCH (e:Entity {id: r.id})\nSET e += r.props"))
                .containsExactly("x:2 lacks `USING INDEX SEEK e:Entity(id)` on the next line");
        assertThat(problems("x", "UNWIND $rows AS r\nCALL (r) {\n  MATCH (e:Entity)\n  WHERE e.id = r.id\n}"))
                .hasSize(1);
        assertThat(problems("x", "MATCH (t:Task {task_id: $id})\nUSING INDEX SEEK t:Task(task_id)\nRETURN t"))
                .isEmpty();
        assertThat(problems("x", "MATCH (t:Task {task_id: $id})\nUSING INDEX SEEK t:Task(status)\nRETURN t"))
                .hasSize(1);
    }
}
