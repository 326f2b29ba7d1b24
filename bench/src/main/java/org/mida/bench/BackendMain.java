package org.mida.bench;

import java.io.IOException;
import java.nio.file.Path;
import org.mida.server.backend.EmbeddedNeo4j;
import org.mida.server.backend.EmbeddedRedis;

/**
 * An embedded backend in a process of its own, for the fault benchmarks that must take Neo4j away from a
 * running server (it normally runs inside the server's JVM) or share one Redis and one Neo4j between two
 * servers: {@code BackendMain neo4j HOME PORT} or {@code BackendMain redis DIR PORT}. Prints {@code ready
 * URI} on stdout once it answers (the password is in HOME/password or DIR/password), then runs until stdin
 * closes or the process is killed.
 */
public final class BackendMain {
    private BackendMain() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 3) throw new IllegalArgumentException("usage: BackendMain neo4j|redis DIR PORT");
        Path dir = Path.of(args[1]);
        int port = Integer.parseInt(args[2]);
        AutoCloseable backend;
        String uri;
        switch (args[0]) {
            case "neo4j" -> {
                var n = EmbeddedNeo4j.start(dir, port);
                backend = n;
                uri = n.boltUri();
            }
            case "redis" -> {
                var r = EmbeddedRedis.start(dir, port);
                backend = r;
                uri = r.uriWithoutPassword();
            }
            default -> throw new IllegalArgumentException("unknown backend " + args[0]);
        }
        System.out.println("ready " + uri);
        System.out.flush();
        while (System.in.read() >= 0) {
            // run until stdin closes
        }
        try {
            backend.close();
        } catch (Exception e) {
            System.err.println("close failed: " + e);
        }
        System.exit(0);
    }
}
