package org.mida.cypher;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Loads Cypher statements from {@code .cypher} resources by name: {@code Cypher.load("ingest/read-tasks")}
 * reads {@code /cypher/ingest/read-tasks.cypher}. One statement per file; {@code //} comment lines are
 * kept (Cypher accepts them). A missing name throws at once, so a typo fails start-up, not a request.
 */
public final class Cypher {

    private static final Map<String, String> CACHE = new ConcurrentHashMap<>();

    /** The schema statements (constraints, indexes), in the order they are applied. */
    public static final List<String> SCHEMA = List.of(
            "schema/01-task-id-unique",
            "schema/02-workflow-id-unique",
            "schema/03-campaign-id-unique",
            "schema/04-entity-id-unique",
            "schema/05-agent-id-unique",
            "schema/06-task-workflow-id",
            "schema/07-task-campaign-id",
            "schema/08-task-activity-id",
            "schema/09-task-status",
            "schema/10-task-ended-at",
            "schema/11-workflow-campaign-id",
            "schema/12-task-workflow-status",
            "schema/13-observer-id-unique",
            "schema/14-version-id-unique",
            "schema/20-field-scope-name-unique",
            "schema/21-field-name",
            "schema/22-field-scope-unique",
            "schema/30-search-tasks",
            "schema/31-search-workflows",
            "schema/32-search-entities");

    private Cypher() {}

    public static String load(String name) {
        return CACHE.computeIfAbsent(name, Cypher::read);
    }

    private static String read(String name) {
        String path = "/cypher/" + name + ".cypher";
        try (InputStream in = Cypher.class.getResourceAsStream(path)) {
            if (in == null)
                throw new IllegalArgumentException("no Cypher statement named '" + name + "' (" + path + ")");
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
            if (text.isEmpty()) throw new IllegalArgumentException("Cypher statement '" + name + "' is empty");
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }
}
