package org.mida.server.fields;

import io.javalin.http.Context;
import java.time.Duration;
import org.mida.server.http.ApiException;
import org.mida.server.http.Json;
import org.neo4j.driver.AccessMode;
import org.neo4j.driver.Driver;
import org.neo4j.driver.SessionConfig;
import org.neo4j.driver.TransactionConfig;

/**
 * {@code GET /api/fields?campaign_id=…} or {@code ?workflow_id=…}: the fields present on the tasks of a
 * campaign or of a workflow, with their types and counts ({@link FieldsAnswer}), for column pickers and
 * autocompletion. One of the two parameters, not both (400 otherwise); an id with no tasks answers no
 * fields. A read with the Cypher time limit.
 *
 * <pre>{@code
 * var fields = new FieldsRoutes(driver, json, config.cypherTimeoutMs());
 * c.routes.get("/api/fields", fields::fields);
 * }</pre>
 */
public final class FieldsRoutes {
    private final Driver driver;
    private final Json json;
    private final long timeoutMs;
    private final FieldCatalog catalog = new FieldCatalog();

    public FieldsRoutes(Driver driver, Json json, long timeoutMs) {
        this.driver = driver;
        this.json = json;
        this.timeoutMs = timeoutMs;
    }

    /** {@code GET /api/fields}. */
    public void fields(Context ctx) {
        String campaign = blankToNull(ctx.queryParam("campaign_id"));
        String workflow = blankToNull(ctx.queryParam("workflow_id"));
        if ((campaign == null) == (workflow == null))
            throw ApiException.badParameter(
                    campaign == null ? "campaign_id" : "workflow_id",
                    "give one of the query parameters campaign_id or workflow_id");
        var tx = TransactionConfig.builder()
                .withTimeout(Duration.ofMillis(timeoutMs))
                .build();
        try (var session = driver.session(
                SessionConfig.builder().withDefaultAccessMode(AccessMode.READ).build())) {
            json.ok(ctx, session.executeRead(t -> catalog.list(t, campaign, workflow), tx));
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
