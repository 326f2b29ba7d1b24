package org.mida.server.observerstatus;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleSupplier;
import org.mida.event.EventCodec;
import org.mida.server.http.ApiException;
import org.mida.server.http.Json;
import org.neo4j.driver.Driver;

/**
 * GET /api/observers (every observer's latest status report, by {@code observer_id}, each marked silent
 * or not), GET /api/observers/{id} and GET /api/observers?id=… (one; 404 when no report named it), and
 * the {@link #summary()} that {@code /api/health} shows. Observer ids hold '/' ({@code
 * node17/agent/mlflow}): the path form takes them unencoded, {@code ?id=} takes anything.
 *
 * <pre>{@code
 * var observers = ObserverRoutes.create(driver, codec, json, 3, 30);
 * config.routes.get("/api/observers", observers::observers);
 * config.routes.get("/api/observers/<id>", observers::observer);
 * }</pre>
 */
public final class ObserverRoutes {
    private final ObserverReads reads;
    private final Silence rule;
    private final DoubleSupplier clock;
    private final Json json;

    /**
     * The observer routes over the graph behind {@code driver}: an observer is silent after {@code
     * silentFactor} × its report interval without a report, never sooner than {@code silentMinSeconds}.
     */
    public static ObserverRoutes create(
            Driver driver, EventCodec codec, Json json, double silentFactor, double silentMinSeconds) {
        return new ObserverRoutes(
                new ObserverReads(driver, codec),
                new Silence(silentFactor, silentMinSeconds),
                () -> System.currentTimeMillis() / 1000.0,
                json);
    }

    ObserverRoutes(ObserverReads reads, Silence rule, DoubleSupplier clock, Json json) {
        this.reads = reads;
        this.rule = rule;
        this.clock = clock;
        this.json = json;
    }

    /** GET /api/observers, or one observer with {@code ?id=}. */
    public void observers(Context ctx) {
        String id = ctx.queryParam("id");
        if (id != null) {
            observer(ctx, id);
            return;
        }
        json.ok(ctx, new ObserverStatus.Listing(statuses()));
    }

    /** GET /api/observers/{id} */
    public void observer(Context ctx) {
        observer(ctx, ctx.pathParam("id"));
    }

    private void observer(Context ctx, String id) {
        var stored = reads.one(id)
                .orElseThrow(() -> ApiException.notFound("no observer '" + id + "' has reported to this server"));
        json.ok(ctx, ObserverStatus.of(stored.report(), stored.receivedAt(), clock.getAsDouble(), rule));
    }

    /**
     * How many observers have reported and which of them are silent now (reads the graph: throws when
     * Neo4j cannot be reached).
     */
    public Summary summary() {
        var silent = new ArrayList<String>();
        List<ObserverStatus> all = statuses();
        for (ObserverStatus s : all) if (s.silent()) silent.add(s.observerId());
        return new Summary(all.size(), silent);
    }

    private List<ObserverStatus> statuses() {
        double now = clock.getAsDouble();
        var out = new ArrayList<ObserverStatus>();
        for (ObserverReads.Stored s : reads.all()) out.add(ObserverStatus.of(s.report(), s.receivedAt(), now, rule));
        return out;
    }

    /**
     * The observers part of {@code GET /api/health}: how many have reported, the ids of the silent ones.
     */
    public record Summary(
            long total, @JsonProperty("silent") List<String> silent) {
        public Summary {
            silent = List.copyOf(silent);
        }
    }
}
