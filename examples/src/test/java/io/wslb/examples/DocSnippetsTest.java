package io.wslb.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Java blocks of README.md and docs/*.md are exact copies of regions of compiled files under
 * {@code examples/src/main/java/io/wslb/examples/snippets/} (which {@link DocSnippetsRunTest} runs). A region starts
 * with a line {@code // snippet-begin <page>} and ends with {@code // snippet-end}; its text, less the indentation
 * common to its lines, must appear in that page as a {@code ```java} block, and every such block of every page
 * must be such a region. A region that is not a whole program (no {@code main}) is a fragment: its page must name
 * the file it comes from.
 */
class DocSnippetsTest {

    static final String SNIPPETS = "examples/src/main/java/io/wslb/examples/snippets";

    record Region(Path file, int line, String page, String text) {
        boolean isProgram() {
            return text.contains("public static void main(");
        }
    }

    record Block(String page, int line, String text) {
    }

    @Test
    void everyRegionOfTheSnippetFiles_appearsVerbatimInThePageItNames() throws IOException {
        Path root = JavadocExamplesCompileTest.projectRoot();
        List<Region> regions = regions(root);
        assertThat(regions).extracting(Region::page).contains("README.md", "docs/operations.md", "docs/strategies.md");
        List<Block> blocks = blocks(root);
        List<String> drifted = new ArrayList<>();
        for (Region region : regions) {
            boolean found = blocks.stream().anyMatch(b -> b.page().equals(region.page()) && b.text().equals(region.text()));
            if (!found) {
                drifted.add(region.page() + " lacks the region at " + root.relativize(region.file()) + ":" + region.line()
                    + ", which reads:\n" + region.text());
            }
        }
        assertThat(drifted).as("regions whose copy in the docs is missing or differs").isEmpty();
    }

    @Test
    void everyJavaBlockOfTheReadmeAndDocs_isARegionOfACompiledSnippetFile() throws IOException {
        Path root = JavadocExamplesCompileTest.projectRoot();
        List<Region> regions = regions(root);
        List<String> unbacked = new ArrayList<>();
        for (Block block : blocks(root)) {
            boolean backed = regions.stream().anyMatch(r -> r.page().equals(block.page()) && r.text().equals(block.text()));
            if (!backed) {
                unbacked.add(block.page() + ":" + block.line() + " is not an exact region of a file in " + SNIPPETS);
            }
        }
        assertThat(unbacked).as("Java blocks no build compiles or runs").isEmpty();
    }

    @Test
    void aPageShowingAFragment_namesTheCompiledFileItComesFrom() throws IOException {
        Path root = JavadocExamplesCompileTest.projectRoot();
        List<String> unnamed = new ArrayList<>();
        for (Region region : regions(root)) {
            String page = Files.readString(root.resolve(region.page()));
            String name = region.file().getFileName().toString();
            if (!region.isProgram() && !page.contains(name)) {
                unnamed.add(region.page() + " shows a fragment of " + name + " without naming that file");
            }
        }
        assertThat(unnamed).isEmpty();
    }

    static List<Region> regions(Path root) throws IOException {
        List<Region> regions = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> list = Files.list(root.resolve(SNIPPETS))) {
            files = list.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
        for (Path file : files) {
            List<String> lines = Files.readAllLines(file);
            for (int i = 0; i < lines.size(); i++) {
                String begin = lines.get(i).strip();
                if (!begin.startsWith("// snippet-begin ")) {
                    continue;
                }
                String page = begin.substring("// snippet-begin ".length()).strip();
                int end = i + 1;
                while (end < lines.size() && !lines.get(end).strip().equals("// snippet-end")) {
                    end++;
                }
                assertThat(end).as("%s:%d has no // snippet-end", file, i + 1).isLessThan(lines.size());
                regions.add(new Region(file, i + 1, page, dedent(lines.subList(i + 1, end))));
                i = end;
            }
        }
        return regions;
    }

    static List<Block> blocks(Path root) throws IOException {
        List<Path> pages = new ArrayList<>();
        pages.add(root.resolve("README.md"));
        try (Stream<Path> docs = Files.list(root.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        List<Block> blocks = new ArrayList<>();
        for (Path page : pages) {
            List<String> lines = Files.readAllLines(page);
            for (int i = 0; i < lines.size(); i++) {
                if (!lines.get(i).strip().equals("```java")) {
                    continue;
                }
                int end = i + 1;
                while (end < lines.size() && !lines.get(end).strip().equals("```")) {
                    end++;
                }
                String name = root.relativize(page).toString().replace('\\', '/');
                blocks.add(new Block(name, i + 1, String.join("\n", lines.subList(i + 1, end))));
                i = end;
            }
        }
        return blocks;
    }

    private static String dedent(List<String> lines) {
        int indent = lines.stream().filter(l -> !l.isBlank())
            .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        List<String> out = new ArrayList<>();
        for (String line : lines) {
            out.add(line.isBlank() ? "" : line.substring(indent));
        }
        return String.join("\n", out);
    }
}
