package org.mida.server.app;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class LogPatternTest {

    private static String format(Map<String, String> mdc) throws IOException {
        String xml;
        try (InputStream in = LogPatternTest.class.getResourceAsStream("/logback.xml")) {
            xml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        var m = Pattern.compile("<pattern>(.*)</pattern>").matcher(xml);
        assertThat(m.find()).as("logback.xml has a pattern").isTrue();
        var context = new LoggerContext();
        var layout = new PatternLayout();
        layout.setContext(context);
        layout.setPattern(m.group(1).replace("%d{HH:mm:ss.SSS} ", ""));
        layout.start();
        var logger = context.getLogger("org.mida.server.http.Problems");
        var event = new LoggingEvent("fqcn", logger, Level.INFO, "GET /x failed", null, null);
        event.setThreadName("t");
        event.setMDCPropertyMap(mdc);
        return layout.doLayout(event).strip();
    }

    @Test
    void the_request_id_follows_the_logger_name_as_req_equals() throws IOException {
        assertThat(format(Map.of("req", "ab12cd34")))
                .isEqualTo("INFO  [t] o.m.server.http.Problems req=ab12cd34 - GET /x failed");
    }

    @Test
    void without_a_request_id_nothing_is_glued_to_the_logger_name() throws IOException {
        assertThat(format(Map.of())).isEqualTo("INFO  [t] o.m.server.http.Problems - GET /x failed");
    }
}
