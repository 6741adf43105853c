package io.wslb.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The modules a user depends on line up: the BOM manages each library, and the Jetty adapter forces no extras. */
class ModuleLayoutTest {

    private static final List<String> LIBRARIES = List.of("wslb-core", "wslb-strategies", "wslb-jetty", "wslb-testing", "wslb-redis",
        "wslb-micrometer");

    @Test
    void theBom_managesEveryLibraryModule_atTheProjectVersion() throws IOException {
        Path root = JavadocExamplesCompileTest.projectRoot();
        String parent = Files.readString(root.resolve("pom.xml"));
        String version = first(parent, "<artifactId>wslb-parent</artifactId>\\s*<version>([^<]+)</version>");
        String bom = Files.readString(root.resolve("wslb-bom/pom.xml"));

        assertThat(parent).contains("<module>wslb-bom</module>");
        assertThat(bom).doesNotContain("<parent>");
        for (String library : LIBRARIES) {
            assertThat(parent).contains("<module>" + library + "</module>");
            assertThat(bom).as("the BOM's entry for " + library)
                .containsPattern("<artifactId>" + library + "</artifactId>\\s*<version>" + Pattern.quote(version) + "</version>");
        }
        assertThat(managedArtifacts(bom)).containsExactlyInAnyOrderElementsOf(LIBRARIES);
    }

    @Test
    void theJettyAdapter_needsNeitherTheStrategiesNorCaffeine_outsideItsTests() throws IOException {
        Path root = JavadocExamplesCompileTest.projectRoot();
        String pom = Files.readString(root.resolve("wslb-jetty/pom.xml"));
        String moduleInfo = Files.readString(root.resolve("wslb-jetty/src/main/java/module-info.java"));

        assertThat(first(pom, "<artifactId>wslb-strategies</artifactId>\\s*<scope>([^<]+)</scope>")).isEqualTo("test");
        assertThat(pom).doesNotContain("caffeine");
        assertThat(moduleInfo).doesNotContain("io.wslb.strategies").contains("requires transitive io.wslb.core;");
    }

    private static List<String> managedArtifacts(String pom) {
        List<String> found = new ArrayList<>();
        Matcher m = Pattern.compile("<artifactId>([^<]+)</artifactId>").matcher(pom);
        while (m.find()) {
            if (!m.group(1).equals("wslb-bom")) {
                found.add(m.group(1));
            }
        }
        return found;
    }

    private static String first(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertThat(m.find()).as("'" + regex + "' in the pom").isTrue();
        return m.group(1);
    }
}
