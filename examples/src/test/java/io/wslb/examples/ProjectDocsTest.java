package io.wslb.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README and the docs stand on their own and tell a Java developer what the build really requires: each claim
 * checked here is read from the poms, the sources or {@code .ci/run}, not restated.
 */
class ProjectDocsTest {

    /** Text files of the repository: docs, sources, poms, scripts. */
    private static final Pattern TEXT = Pattern.compile(".*\\.(md|java|xml|js|json|properties|html|txt)$|.*/\\.ci/run$");

    @Test
    void noFileOfTheRepository_pointsToADesignBriefOutsideIt() throws IOException {
        Path root = JavadocExamplesCompileTest.projectRoot();
        // Spelled in pieces so that this file does not match itself.
        List<String> outside = List.of("DESIGN" + ".md", "design " + "brief", "shared" + "/", "the " + "brief");
        List<String> found = new ArrayList<>();
        for (Path file : textFiles(root)) {
            String text;
            try {
                text = Files.readString(file);
            } catch (MalformedInputException binary) {
                continue;
            }
            String[] lines = text.split("\n", -1);
            for (int i = 0; i < lines.length; i++) {
                for (String reference : outside) {
                    if (lines[i].contains(reference)
                        || reference.equals("the " + "brief") && lines[i].toLowerCase(Locale.ROOT).contains(reference)) {
                        found.add(root.relativize(file) + ":" + (i + 1) + ": " + lines[i].strip());
                    }
                }
            }
        }
        assertThat(textFiles(root)).extracting(p -> root.relativize(p).toString().replace('\\', '/'))
            .contains("README.md", "docs/design.md", "wslb-bench/README.md", "pom.xml");
        assertThat(found).as("references to a document that is not in the repository").isEmpty();
    }

    @Test
    void theReadme_namesTheJettyVersionTheServletArtifactAndThatTheSnapshotMustBeInstalled() throws IOException {
        Path root = JavadocExamplesCompileTest.projectRoot();
        String readme = Files.readString(root.resolve("README.md"));
        String parent = Files.readString(root.resolve("pom.xml"));

        String jetty = tag(parent, "jetty.version");
        String minor = jetty.substring(0, jetty.indexOf('.', jetty.indexOf('.') + 1));
        assertThat(readme).contains("Jetty " + minor).contains(jetty).contains("Jetty 12.0 is not supported");

        String version = tag(parent, "version");
        assertThat(version).endsWith("-SNAPSHOT");
        assertThat(readme).contains(version).contains("not published").contains("-DskipTests install");

        // The servlet's Jetty artifact is optional in wslb-jetty, so a servlet user must add it: the README says which.
        String jettyPom = Files.readString(root.resolve("wslb-jetty/pom.xml"));
        Matcher servlet = Pattern.compile("<groupId>([^<]+)</groupId>\\s*<artifactId>(jetty-ee\\d+-servlet)</artifactId>\\s*"
            + "<optional>true</optional>").matcher(jettyPom);
        assertThat(servlet.find()).as("wslb-jetty's optional servlet dependency").isTrue();
        assertThat(readme).contains(servlet.group(1) + ":" + servlet.group(2));
    }

    @Test
    void theReadme_namesAnSlf4jBinding_andEveryLoggerOfTheLibrary() throws IOException {
        Path root = JavadocExamplesCompileTest.projectRoot();
        String readme = Files.readString(root.resolve("README.md"));
        assertThat(readme).contains("SLF4J 2 binding").contains("slf4j-simple");
        Set<String> loggers = new LinkedHashSet<>();
        for (String module : List.of("wslb-core", "wslb-strategies", "wslb-jetty", "wslb-redis")) {
            Path sources = root.resolve(module).resolve("src/main/java");
            try (Stream<Path> walk = Files.walk(sources)) {
                for (Path file : walk.filter(p -> p.toString().endsWith(".java")).toList()) {
                    String text = Files.readString(file);
                    Matcher m = Pattern.compile("LoggerFactory\\.getLogger\\((\\w+)\\.class(?:\\.getName\\(\\))?\\)").matcher(text);
                    while (m.find()) {
                        // A logger named after a class of another package (a public type, from its internal parts) is that class's.
                        Matcher imported = Pattern.compile("(?m)^import ([\\w.]+)\\." + m.group(1) + ";").matcher(text);
                        String pkg = imported.find() ? imported.group(1)
                            : sources.relativize(file.getParent()).toString().replace('/', '.').replace('\\', '.');
                        loggers.add(pkg + "." + m.group(1));
                    }
                }
            }
        }
        assertThat(loggers).contains("io.wslb.BackendPool", "io.wslb.jetty.ServerTls", "io.wslb.redis.RedisLink");
        List<String> unnamed = new ArrayList<>();
        for (String logger : loggers) {
            String pkg = logger.substring(0, logger.lastIndexOf('.'));
            if (!readme.contains("`" + logger + "`") && !readme.contains("`" + pkg + "`")) {
                unnamed.add(logger);
            }
        }
        assertThat(unnamed).as("loggers the README names neither by class nor by package").isEmpty();
    }

    @Test
    void theReadme_hasExactlyTheDemoAndTheCiTestCommand_andNamesWhatTheTestCommandNeeds() throws IOException {
        Path root = JavadocExamplesCompileTest.projectRoot();
        String readme = Files.readString(root.resolve("README.md"));
        String ci = Files.readString(root.resolve(".ci/run"));

        int run = readme.indexOf("## Run it");
        int open = readme.indexOf("```sh\n", run);
        String block = readme.substring(open + 6, readme.indexOf("```", open + 6));
        List<String> commands = block.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        assertThat(commands).as("the set-up commands for a fresh machine").hasSize(2);
        assertThat(commands.get(0)).contains("java -jar examples/target/wslb-examples.jar");

        List<String> ciCommands = ci.lines().map(String::strip).filter(l -> l.startsWith("mvn ")).toList();
        assertThat(ciCommands).as(".ci/run runs the README's test command and nothing else").containsExactly(commands.get(1));

        // Every package .ci/run installs on a fresh machine is named by the README.
        Matcher missing = Pattern.compile("missing\\+=\\(([^)]+)\\)").matcher(ci);
        List<String> packages = new ArrayList<>();
        while (missing.find()) {
            packages.add(missing.group(1));
        }
        assertThat(packages).contains("nginx", "haproxy", "openssl", "npm");
        for (String pkg : packages) {
            assertThat(readme).as("the README names the prerequisite %s", pkg).contains(pkg);
        }
        assertThat(readme).contains("npm registry").contains("bash .ci/run");
    }

    @Test
    void theLicenseIsTheApache2Text_andTheParentPomAndReadmeNameIt() throws IOException {
        Path root = JavadocExamplesCompileTest.projectRoot();
        Path license = root.resolve("LICENSE");
        assertThat(license).exists();
        String text = Files.readString(license);
        assertThat(text).contains("Apache License", "Version 2.0, January 2004", "http://www.apache.org/licenses/",
            "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION", "9. Accepting Warranty or Additional Liability.",
            "END OF TERMS AND CONDITIONS", "APPENDIX: How to apply the Apache License to your work.");

        String parent = Files.readString(root.resolve("pom.xml"));
        assertThat(parent).containsPattern("<licenses>\\s*<license>\\s*<name>Apache-2.0</name>\\s*"
            + "<url>https://www.apache.org/licenses/LICENSE-2.0.txt</url>");
        // Every module inherits it: none declares licenses of its own, but the BOM, which has no parent and names
        // the same license.
        try (Stream<Path> modules = Files.list(root)) {
            for (Path pom : modules.map(m -> m.resolve("pom.xml")).filter(Files::exists).toList()) {
                String module = Files.readString(pom);
                if (pom.getParent().getFileName().toString().equals("wslb-bom")) {
                    assertThat(module).as("the BOM's license").containsPattern("<licenses>\\s*<license>\\s*<name>Apache-2.0</name>");
                } else if (!pom.getParent().equals(root)) {
                    assertThat(module).as("%s inherits the parent's license", pom).doesNotContain("<licenses>");
                }
            }
        }
        assertThat(Files.readString(root.resolve("README.md"))).contains("Apache-2.0").contains("(LICENSE)");
    }

    private static String tag(String pom, String name) {
        Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</" + Pattern.quote(name) + ">").matcher(pom);
        assertThat(m.find()).as("<%s> in the parent pom", name).isTrue();
        return m.group(1).strip();
    }

    private static List<Path> textFiles(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile)
                .filter(p -> {
                    String rel = "/" + root.relativize(p).toString().replace('\\', '/');
                    return !rel.contains("/.git/") && !rel.contains("/target/") && !rel.contains("/node_modules/")
                        && !rel.contains("/bench-results/") && TEXT.matcher(rel).matches();
                })
                .sorted().toList();
        }
    }
}
