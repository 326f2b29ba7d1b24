package org.mida.server.app;

import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/** {@code java -jar mida-server.jar [serve] [--flag value ...]}; {@code --help} lists the settings. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
            System.out.print(Config.help());
            return;
        }
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
        Logger log = LoggerFactory.getLogger(Main.class);
        Config config;
        try {
            config = Config.from(System.getenv(), args);
        } catch (Config.ConfigException e) {
            System.err.println("mida: " + e.getMessage());
            System.exit(2);
            return;
        }
        try {
            // its own shutdown hook stops it in order on SIGTERM / Ctrl-C
            MidaServer.start(config);
        } catch (RuntimeException e) {
            log.error("MIDA failed to start: {}", e.getMessage(), e);
            System.exit(1);
        }
    }
}
