package org.mida.server.query;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mida.server.http.ApiException;
import org.mida.server.http.JsonPointers;
import org.mida.server.http.Problem;
import org.mida.server.http.ProblemType;

/** Reads a JSON request body into plain Java values (maps keep their key order), with clear 400s. */
final class RequestBodies {
    private RequestBodies() {}

    static Object json(Context ctx, ObjectMapper mapper) {
        byte[] body = ctx.bodyAsBytes();
        if (body.length == 0) throw ApiException.badRequest("a JSON object is required as the request body");
        try {
            return mapper.readValue(body, Object.class);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("the body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiException.badRequest("the body could not be read: " + e.getMessage());
        }
    }

    /** A JSON value as a Neo4j driver parameter value (numbers as long or double). */
    static Object parameter(Object v, String pointer) {
        if (v instanceof BigDecimal d) return d.doubleValue();
        if (v instanceof BigInteger b) {
            if (b.bitLength() < 64) return b.longValue();
            throw new ApiException(
                    ProblemType.INVALID_REQUEST,
                    "a parameter is not a 64-bit integer",
                    List.of(Problem.Error.at(pointer, "the number " + b + " is too large")));
        }
        if (v instanceof List<?> l) {
            var out = new ArrayList<Object>(l.size());
            for (int i = 0; i < l.size(); i++) out.add(parameter(l.get(i), JsonPointers.append(pointer, i)));
            return out;
        }
        if (v instanceof Map<?, ?> m) {
            var out = new LinkedHashMap<String, Object>();
            for (var e : m.entrySet()) {
                String k = String.valueOf(e.getKey());
                out.put(k, parameter(e.getValue(), JsonPointers.append(pointer, k)));
            }
            return out;
        }
        return v;
    }
}
