package io.wslb.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compiles every {@code <pre>{@code ...}</pre>} example in the Javadoc of the public types that users see: the
 * exported packages of wslb-core, wslb-strategies, wslb-jetty, wslb-testing, wslb-redis and wslb-micrometer, and the
 * examples module (not the {@code internal} packages, which no module exports, nor wslb-bench and wslb-jmh, which are
 * tools).
 *
 * <p>Each example becomes the body of a method {@code void example() throws Exception} in a class of its own that
 * imports {@link #IMPORTS} and has the fields of {@link #PREDECLARED}, the only names an example may use without
 * declaring them. An example that ends without {@code ;} or {@code }} is an expression (such as
 * {@code Frame.text("Hello")}) and is compiled as the value of a variable. An example whose text starts with
 * {@code java -} is a command line, not Java, and is skipped.
 */
class JavadocExamplesCompileTest {

    /** What every example may use without importing it. */
    static final List<String> IMPORTS = List.of(
        "import static java.nio.charset.StandardCharsets.UTF_8;",
        "import io.wslb.*;",
        "import io.wslb.spi.*;",
        "import io.wslb.strategies.*;",
        "import io.wslb.jetty.*;",
        "import io.wslb.testing.*;",
        "import io.wslb.redis.*;",
        "import io.wslb.micrometer.*;",
        "import io.micrometer.core.instrument.MeterRegistry;",
        "import io.micrometer.core.instrument.Tags;",
        "import io.micrometer.core.instrument.binder.MeterBinder;",
        "import io.micrometer.core.instrument.simple.SimpleMeterRegistry;",
        "import java.io.*;",
        "import java.net.*;",
        "import java.nio.file.*;",
        "import java.time.*;",
        "import java.util.*;",
        "import java.util.concurrent.*;",
        "import java.util.concurrent.atomic.*;",
        "import java.util.function.*;",
        "import javax.net.ssl.SSLContext;",
        "import org.eclipse.jetty.server.*;",
        "import org.eclipse.jetty.server.handler.*;",
        "import org.eclipse.jetty.ee10.servlet.*;",
        "import org.junit.jupiter.api.Test;",
        "import org.junit.jupiter.api.extension.RegisterExtension;",
        "import org.slf4j.Logger;");

    /** The names an example may use without declaring them, with what they stand for. */
    static final List<String> PREDECLARED = List.of(
        "Server server;                        // the Jetty server the application runs",
        "WebSocketLoadBalancer lb;             // a balancer, built",
        "WebSocketLoadBalancerBuilder builder; // a balancer being composed",
        "BackendPool pool;                     // lb.pool()",
        "HandshakeRequest request;             // a client's handshake",
        "Logger log;                           // an SLF4J logger",
        "Path dir;                             // a writable directory",
        "Socket socket;                        // a connected socket (wslb-testing examples)",
        "FaultProxy proxy;                     // a running fault-injecting proxy (wslb-testing examples)",
        "RedisServer redis;                    // a running redis-server (wslb-testing examples)");

    private static final List<String> MODULES = List.of("wslb-core", "wslb-strategies", "wslb-jetty", "wslb-testing", "wslb-redis", "wslb-micrometer",
        "examples");
    private static final Pattern BLOCK = Pattern.compile("<pre>\\{@code(.*?)}</pre>", Pattern.DOTALL);

    /** One example: where it is and its text, line by line, with the source line of each. */
    record Example(Path file, List<String> lines, List<Integer> sourceLines) {

        String className() {
            return "Example_" + file.getFileName().toString().replace(".java", "") + "_" + sourceLines.get(0);
        }

        boolean isCommandLine() {
            return String.join("\n", lines).strip().startsWith("java -");
        }

        boolean isExpression() {
            String last = "";
            for (String line : lines) {
                String code = line.replaceAll("\"(\\\\.|[^\"\\\\])*\"", "\"\"").replaceAll("//.*$", "").strip();
                if (!code.isEmpty()) {
                    last = code;
                }
            }
            return !last.endsWith(";") && !last.endsWith("}");
        }
    }

    @Test
    void everyCodeExampleInThePublicJavadoc_compilesAgainstTheModules(@TempDir Path out) throws IOException {
        Path root = projectRoot();
        List<Example> examples = new ArrayList<>();
        for (String module : MODULES) {
            examples.addAll(examplesIn(root, root.resolve(module).resolve("src/main/java")));
        }
        // The scan found the examples it must check, not an empty directory.
        assertThat(examples).extracting(e -> e.file().getFileName().toString())
            .contains("WebSocketLoadBalancer.java", "HealthCheck.java", "OutlierDetection.java", "BalancingStrategies.java",
                "WebSocketLoadBalancerHandler.java", "FaultProxy.java", "RedisServer.java", "RedisLink.java", "RedisSessionStore.java",
                "WslbMetrics.java", "RedisLinkMetrics.java");

        List<JavaFileObject> sources = new ArrayList<>();
        List<Example> compiled = new ArrayList<>();
        for (Example example : examples) {
            if (!example.isCommandLine()) {
                compiled.add(example);
                sources.add(new Source(example.className(), wrap(example)));
            }
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        List<String> errors = new ArrayList<>();
        try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8)) {
            List<String> options = List.of("-classpath", testClassPath(), "-d", out.toString(), "-proc:none", "-Xlint:none",
                "-nowarn");
            javac.getTask(null, files, diagnostics, options, null, sources).call();
        }
        for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
            if (d.getKind() != Diagnostic.Kind.ERROR) {
                continue;
            }
            String where = "(no source)";
            if (d.getSource() != null) {
                Example example = compiled.get(sources.indexOf(d.getSource()));
                int line = (int) d.getLineNumber() - prefixLines(example) - 1;
                int sourceLine = line >= 0 && line < example.sourceLines().size()
                    ? example.sourceLines().get(line) : example.sourceLines().get(0);
                where = root.relativize(example.file()) + ":" + sourceLine;
            }
            errors.add(where + ": " + d.getMessage(Locale.ROOT));
        }
        assertThat(errors).as("Javadoc examples that do not compile (file:line: error)").isEmpty();
    }

    static Path projectRoot() {
        Path root = Path.of("").toAbsolutePath().getParent();
        assertThat(root.resolve("pom.xml")).as("the project's parent pom next to the examples module").exists();
        return root;
    }

    private static List<Example> examplesIn(Path root, Path sources) throws IOException {
        List<Example> found = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(sources)) {
            files = walk.filter(p -> p.toString().endsWith(".java"))
                .filter(p -> !p.getFileName().toString().equals("module-info.java"))
                .filter(p -> !root.relativize(p).toString().replace('\\', '/').contains("/internal/"))
                .sorted().toList();
        }
        for (Path file : files) {
            String text = Files.readString(file);
            if (!Pattern.compile("^public .*(class|interface|record|enum) ", Pattern.MULTILINE).matcher(text).find()) {
                continue;
            }
            Matcher m = BLOCK.matcher(text);
            while (m.find()) {
                int line = lineOf(text, m.start(1));
                List<String> lines = new ArrayList<>();
                List<Integer> sourceLines = new ArrayList<>();
                String[] raw = m.group(1).split("\n", -1);
                for (int i = 0; i < raw.length; i++) {
                    String code = raw[i].replaceFirst("^\\s*\\* ?", "");
                    if (code.isBlank() && (i == 0 || i == raw.length - 1)) {
                        continue;
                    }
                    lines.add(code);
                    sourceLines.add(line + i);
                }
                found.add(new Example(file, lines, sourceLines));
            }
        }
        return found;
    }

    private static int lineOf(String text, int offset) {
        int line = 1;
        for (int i = 0; i < offset; i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }

    private static int prefixLines(Example example) {
        return IMPORTS.size() + 1 + PREDECLARED.size() + 1 + (example.isExpression() ? 1 : 0);
    }

    /** The example as a class: imports, one line; fields, one line; the method, and the example's lines. */
    static String wrap(Example example) {
        StringBuilder s = new StringBuilder();
        IMPORTS.forEach(i -> s.append(i).append('\n'));
        s.append("@SuppressWarnings(\"all\") class ").append(example.className()).append(" {\n");
        PREDECLARED.forEach(p -> s.append("    ").append(p).append('\n'));
        s.append("    void example() throws Exception {\n");
        if (example.isExpression()) {
            s.append("Object value =\n");
        }
        example.lines().forEach(l -> s.append(l).append('\n'));
        if (example.isExpression()) {
            s.append(";\n");
        }
        s.append("    }\n}\n");
        return s.toString();
    }

    /** Surefire may hand the test a one-jar manifest class path; its property holds the full one. */
    private static String testClassPath() {
        String full = System.getProperty("surefire.test.class.path");
        return full != null && !full.isBlank() ? full : System.getProperty("java.class.path");
    }

    private static final class Source extends SimpleJavaFileObject {
        private final String code;

        Source(String className, String code) {
            super(URI.create("string:///" + className + Kind.SOURCE.extension), Kind.SOURCE);
            this.code = code;
        }

        @Override
        public CharSequence getCharContent(boolean ignoreEncodingErrors) {
            return code;
        }
    }
}
