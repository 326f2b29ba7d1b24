package org.mida.server.deadletters;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.mida.server.http.ApiException;
import org.mida.server.http.Json;

/**
 * {@code GET /api/dead-letters?limit=&reason=&after=}: dead letters oldest first ({@link DeadLetters.Page}),
 * filtered by a reason prefix, paged with {@code after} = the previous page's {@code next}. {@code POST
 * /api/dead-letters/replay} with {@code {"ids": [...]}}, {@code {"reason": "<prefix>"}} or {@code {"all":
 * true}} moves those dead letters back to the event stream, exactly once ({@link DeadLetters.Replayed});
 * a write, so it needs the token when {@code MIDA_API_TOKEN} is set.
 *
 * <pre>{@code
 * var dead = new DeadLetterRoutes(new DeadLetters(redis, eventStream), mapper, json);
 * c.routes.get("/api/dead-letters", dead::list);
 * c.routes.post("/api/dead-letters/replay", dead::replay);
 * }</pre>
 */
public final class DeadLetterRoutes {
    private static final Pattern ID = Pattern.compile("\\d{1,20}-\\d{1,20}");
    private static final int MAX_IDS = 10_000;

    private final DeadLetters deadLetters;
    private final ObjectMapper mapper;
    private final Json json;

    public DeadLetterRoutes(DeadLetters deadLetters, ObjectMapper mapper, Json json) {
        this.deadLetters = deadLetters;
        this.mapper = mapper;
        this.json = json;
    }

    /** {@code GET /api/dead-letters}. */
    public void list(Context ctx) {
        int limit = Json.intParam(ctx, "limit", 100, 1, 1000);
        String reason = blankToNull(ctx.queryParam("reason"));
        String after = blankToNull(ctx.queryParam("after"));
        if (after != null && !ID.matcher(after).matches())
            throw ApiException.badParameter(
                    "after", "query parameter 'after' must be a stream id like 1700000000000-0");
        json.ok(ctx, deadLetters.list(limit, reason, after));
    }

    /** {@code POST /api/dead-letters/replay}. */
    public void replay(Context ctx) {
        json.ok(ctx, deadLetters.replay(selection(ctx.bodyAsBytes())));
    }

    DeadLetters.Selection selection(byte[] body) {
        JsonNode root;
        try {
            root = body.length == 0 ? null : mapper.readTree(body);
        } catch (IOException e) {
            throw ApiException.badRequest("the body is not valid JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject())
            throw ApiException.badRequest(
                    "send a JSON object: {\"ids\": [...]}, {\"reason\": \"<prefix>\"} or {\"all\": true}");
        JsonNode ids = root.get("ids"), reason = root.get("reason"), all = root.get("all");
        int given = (ids == null ? 0 : 1) + (reason == null ? 0 : 1) + (all == null ? 0 : 1);
        if (given != 1) throw ApiException.badRequest("give exactly one of \"ids\", \"reason\" or \"all\"");
        if (ids != null) {
            if (!ids.isArray() || ids.isEmpty() || ids.size() > MAX_IDS)
                throw ApiException.badBody("/ids", "\"ids\" must be a non-empty array of at most " + MAX_IDS + " ids");
            var out = new ArrayList<String>();
            for (int i = 0; i < ids.size(); i++) {
                JsonNode id = ids.get(i);
                if (!id.isTextual() || !ID.matcher(id.asText()).matches())
                    throw ApiException.badBody(
                            "/ids/" + i, "a dead letter id looks like 1700000000000-0, got " + id.toString());
                out.add(id.asText());
            }
            return DeadLetters.Selection.ids(List.copyOf(out));
        }
        if (reason != null) {
            if (!reason.isTextual()
                    || reason.asText().isEmpty()
                    || reason.asText().length() > 1000)
                throw ApiException.badBody("/reason", "\"reason\" must be a non-empty text (a prefix of the reasons)");
            return DeadLetters.Selection.reasonPrefix(reason.asText());
        }
        if (!all.isBoolean() || !all.asBoolean())
            throw ApiException.badBody("/all", "\"all\" must be true (to replay every dead letter)");
        return DeadLetters.Selection.everything();
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
