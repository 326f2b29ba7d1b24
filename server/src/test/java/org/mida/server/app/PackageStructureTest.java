package org.mida.server.app;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The server's package arrows point one way: {@code app} wires the features together; features use
 * {@code http} (answers, problems) and the wire contract; nothing points back at {@code app}, and no
 * cycles. (As neo4j-migrations' PackageStructureTests.)
 */
class PackageStructureTest {
    private static final String SERVER = "org.mida.server";
    private static final String[] FEATURES = {
        SERVER + ".analysis..",
        SERVER + ".browse..",
        SERVER + ".fields..",
        SERVER + ".ingest..",
        SERVER + ".lineage..",
        SERVER + ".observerstatus..",
        SERVER + ".openlineage..",
        SERVER + ".prov..",
        SERVER + ".query..",
        SERVER + ".search..",
        SERVER + ".stream.."
    };
    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(SERVER);
    }

    @Test
    void the_server_packages_have_no_cycles() {
        slices().matching(SERVER + ".(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void nothing_depends_on_the_wiring_package() {
        noClasses()
                .that()
                .resideOutsideOfPackage(SERVER + ".app..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage(SERVER + ".app..")
                .check(classes);
    }

    @Test
    void only_the_wiring_package_starts_the_embedded_backends() {
        noClasses()
                .that()
                .resideOutsideOfPackages(SERVER + ".app..", SERVER + ".backend..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage(SERVER + ".backend..")
                .check(classes);
    }

    @Test
    void the_http_package_knows_no_feature() {
        noClasses()
                .that()
                .resideInAPackage(SERVER + ".http..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(FEATURES)
                .check(classes);
    }

    /**
     * A feature package shows {@code app} one entry point (its {@code *Routes} or {@code *Endpoint}) and
     * keeps the rest package-private; the ingest and the live stream also hand {@code app} their
     * long-running parts, the node-property rules are shared with the benchmarks, and the field registry
     * and catalogue are shared by the ingest, the query DSL and {@code /api/fields}.
     */
    @Test
    void feature_packages_expose_their_entry_points_only() {
        classes()
                .that()
                .resideInAnyPackage(FEATURES)
                .and()
                .arePublic()
                .and()
                .areTopLevelClasses()
                .should()
                .haveSimpleNameEndingWith("Routes")
                .orShould()
                .haveSimpleNameEndingWith("Endpoint")
                .orShould()
                .haveSimpleName("StreamIngestor")
                .orShould()
                .haveSimpleName("IngestMetrics")
                .orShould()
                .haveSimpleName("IngestTransport") // issue 15: app picks the ingest's way to Neo4j; bench too
                .orShould()
                .haveSimpleName("WriteTransaction")
                .orShould()
                .haveSimpleName("PerBatch") // issue 15: the mirror and the feed index run their reads like the ingest
                .orShould()
                .haveSimpleName("IngestWarmup") // issue 14: app rehearses the ingest before health says ok
                .orShould()
                .haveSimpleName("NodeProperties")
                .orShould()
                .haveSimpleName("TaskBroadcaster")
                .orShould()
                .haveSimpleName("IngestedFeed")
                .orShould()
                .haveSimpleName("Consumers")
                .orShould()
                .haveSimpleName("FieldRegistry")
                .orShould()
                .haveSimpleName("FieldCatalog")
                .orShould()
                .haveSimpleName("FieldsAnswer")
                .orShould()
                .haveSimpleName("Field")
                .orShould()
                .haveSimpleName("Unknown")
                .check(classes);
    }

    @Test
    void the_server_uses_the_wire_contract_not_the_observers_sdk() {
        noClasses()
                .that()
                .resideInAPackage(SERVER + "..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("org.mida.observers..")
                .check(classes);
    }
}
