package org.mida.server.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * An RFC 9457 problem details body, as every error answer carries it ({@code application/problem+json}).
 *
 * @param type {@code /problems/<slug>} of the {@link ProblemType}
 * @param errors the parts that were wrong, when there are several or they can be pointed at
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Problem(String type, String title, int status, String detail, String instance, List<Error> errors) {

    public Problem {
        errors = errors == null ? List.of() : List.copyOf(errors);
    }

    public static Problem of(ProblemType type, String detail, String instance, List<Error> errors) {
        return new Problem(type.uri(), type.title(), type.status(), detail, instance, errors);
    }

    /**
     * One wrong part: {@code pointer} is an RFC 6901 JSON pointer into the request body ({@code ""} for
     * the whole body; built with {@link JsonPointers}), {@code parameter} names a query parameter.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Error(String pointer, String parameter, String detail) {

        /** A wrong part of the body. */
        public static Error at(String pointer, String detail) {
            return new Error(pointer, null, detail);
        }

        /** A wrong query parameter. */
        public static Error parameter(String name, String detail) {
            return new Error(null, name, detail);
        }

        /** A reason that points nowhere in particular. */
        public static Error of(String detail) {
            return new Error(null, null, detail);
        }
    }
}
