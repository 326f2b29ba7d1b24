package org.mida.server.testing;

import java.util.ArrayList;
import java.util.List;
import org.neo4j.driver.summary.Plan;

/** Shared by the plan checks (ingest/IngestPlansIT, lineage/FeedPlansIT). */
public final class Plans {
    private Plans() {}

    /** Every operator of the plan, depth first, with its details where it has them. */
    public static List<String> operators(Plan plan) {
        var out = new ArrayList<String>();
        add(plan, out);
        return out;
    }

    private static void add(Plan p, List<String> out) {
        var details = p.arguments().get("Details");
        out.add(p.operatorType() + (details == null ? "" : " " + details.asString()));
        for (Plan c : p.children()) add(c, out);
    }

    /**
     * A batch of {@code n} finished tasks ({@code <prefix>0}…) in 4 workflows, each reading one of 7 shared entities
     * and one of its own, generating a shared one (so entities are generated several times: versions), and
     * informed by the task before it.
     */
    public static String filledStoreEvents(String prefix, int n) {
        var events = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            if (i > 0) events.append(',');
            events.append("{\"type\":\"task\",\"task_id\":\"")
                    .append(prefix)
                    .append(i)
                    .append("\",\"workflow_id\":\"wf-")
                    .append(i % 4)
                    .append("\",\"campaign_id\":\"c\",\"status\":\"FINISHED\",\"started_at\":")
                    .append(1000 + i)
                    .append(",\"ended_at\":")
                    .append(1000.5 + i)
                    .append(",\"used\":{\"in\":{\"@id\":\"file:///shared/")
                    .append(i % 7)
                    .append("\"},\"raw\":{\"@id\":\"file:///raw/")
                    .append(i)
                    .append("\"}},\"generated\":{\"out\":{\"@id\":\"file:///shared/")
                    .append((i + 3) % 7)
                    .append("\"}}")
                    .append(i > 0 ? ",\"dependencies\":[\"" + prefix + (i - 1) + "\"]" : "")
                    .append('}');
        }
        return events.append(']').toString();
    }
}
