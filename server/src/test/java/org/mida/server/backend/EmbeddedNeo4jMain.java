package org.mida.server.backend;

import java.nio.file.Path;

/**
 * Starts an {@link EmbeddedNeo4j} in this JVM and blocks, for tests that stop or kill the database
 * out of the server's process. Arguments: home dir, Bolt port. Prints {@code READY <port>} once Bolt
 * answers; the password is in {@code <home>/password}.
 */
public final class EmbeddedNeo4jMain {

    private EmbeddedNeo4jMain() {}

    public static void main(String[] args) throws InterruptedException {
        EmbeddedNeo4j neo4j = EmbeddedNeo4j.start(Path.of(args[0]), Integer.parseInt(args[1]), "64m");
        System.out.println("READY " + neo4j.boltPort());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
