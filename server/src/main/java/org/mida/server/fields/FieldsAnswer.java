package org.mida.server.fields;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;

/**
 * The answer of {@code GET /api/fields}: the campaign or workflow asked about (the other null), how many
 * tasks it has, and each field present on them: its name (as the DSL and Cypher name it), the types its
 * values have ({@code string}, {@code integer}, {@code float}, {@code boolean}, {@code list<string>} …) and
 * how many tasks have it, most common first.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record FieldsAnswer(String campaignId, String workflowId, long tasks, List<Field> fields) {
    public FieldsAnswer {
        fields = List.copyOf(fields);
    }

    /** One field: name, the types of its values, how many tasks have it. */
    public record Field(String name, List<String> types, long count) {
        public Field {
            types = List.copyOf(types);
        }
    }
}
