package org.mida.server.ingest;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.javalin.http.Context;
import java.util.ArrayList;
import org.mida.event.EventCodec;
import org.mida.event.EventStream;
import org.mida.server.http.ApiException;
import org.mida.server.http.Json;
import org.mida.server.http.JsonPointers;
import org.mida.server.http.Problem;
import org.mida.server.http.ProblemType;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * POST /api/events: one event or an array, the same JSON as the stream, for clients that cannot reach
 * Redis. Validated first (any bad event → 400 listing every reason, nothing enqueued), then appended to
 * the stream as one entry, so it takes the same path as observer events. Answer 202 {@link Accepted};
 * 503 {@code unavailable} with {@code Retry-After} while Redis is down or refuses writes (out of memory).
 */
public final class EventsEndpoint {
    private final UnifiedJedis redis;
    private final EventCodec codec;
    private final EventStream stream;
    private final Json json;

    public EventsEndpoint(UnifiedJedis redis, EventCodec codec, EventStream stream, Json json) {
        this.redis = redis;
        this.codec = codec;
        this.stream = stream;
        this.json = json;
    }

    /** The answer: how many events the entry holds, the stream and the entry's id. */
    record Accepted(
            int accepted,
            String stream,
            @JsonProperty("entry_id") String entryId) {}

    public void post(Context ctx) {
        json.send(ctx, 202, accept(ctx.body()));
    }

    /** Checks every event of the body, then appends the body as one stream entry. */
    Accepted accept(String body) {
        if (body.isBlank()) throw ApiException.badRequest("the request body is empty; send one event or an array");
        EventCodec.Decoded d = codec.decode(body);
        if (!d.rejections().isEmpty()) {
            var errors = new ArrayList<Problem.Error>();
            for (EventCodec.Rejection r :
                    d.rejections().subList(0, Math.min(20, d.rejections().size())))
                errors.add(Problem.Error.at(r.index() == null ? "" : JsonPointers.of(r.index()), r.reason()));
            throw new ApiException(
                    ProblemType.INVALID_EVENTS,
                    d.rejections().size() + " of "
                            + (d.events().size() + d.rejections().size())
                            + " events are invalid, none was accepted; first: "
                            + d.rejections().get(0).reason(),
                    errors);
        }
        StreamEntryID id;
        try {
            id = stream.append(redis, body);
        } catch (JedisException e) {
            if (e instanceof JedisDataException && !StoreFaults.redisBusy(e.getMessage())) throw e;
            // Redis down, restarting, or full (maxmemory, noeviction): 503 with Retry-After, nothing taken
            throw new ApiException(
                    ProblemType.UNAVAILABLE,
                    "the event stream (Redis) cannot take events right now (" + e.getMessage() + "); none of the "
                            + d.events().size() + " events was accepted: send them again later");
        }
        return new Accepted(d.events().size(), stream.name(), id.toString());
    }
}
