package io.wslb.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * The figures of one comparison run, written to a results directory:
 * <ul>
 * <li>{@code rounds.csv}: {@code scenario,target,round,metric,value}, one line per figure of each round;</li>
 * <li>{@code summary.csv}: {@code scenario,target,metric,value}, the summary tables' figures; run facts (machine,
 * versions, commit) as leading {@code # key=value} comment lines;</li>
 * <li>{@code results.json}: both, and the facts, as JSON;</li>
 * <li>{@code tables.txt} / {@code tables.md}: the summary tables as printed, and as Markdown.</li>
 * </ul>
 * The chart is drawn from the summary alone, so {@code chart --results DIR} can redraw it later.
 */
final class Results {
    record Row(String scenario, String target, int round, String metric, double value) {
    }

    /** A rendered summary table and its title. */
    record Titled(String title, Table table) {
    }

    final Map<String, String> facts = new LinkedHashMap<>();
    final List<Row> rounds = new ArrayList<>();
    final List<Row> summary = new ArrayList<>();
    final List<Titled> tables = new ArrayList<>();

    void round(String scenario, String target, int round, String metric, double value) {
        rounds.add(new Row(scenario, target, round, metric, value));
    }

    void summary(String scenario, String target, String metric, double value) {
        summary.add(new Row(scenario, target, 0, metric, value));
    }

    OptionalDouble get(String scenario, String target, String metric) {
        for (int i = summary.size() - 1; i >= 0; i--) {
            Row r = summary.get(i);
            if (r.scenario().equals(scenario) && r.target().equals(target) && r.metric().equals(metric)
                && !Double.isNaN(r.value())) {
                return OptionalDouble.of(r.value());
            }
        }
        return OptionalDouble.empty();
    }

    /** Targets in first-seen order. */
    List<String> targets() {
        List<String> t = new ArrayList<>();
        for (Row r : summary) {
            if (!t.contains(r.target())) {
                t.add(r.target());
            }
        }
        return t;
    }

    boolean hasScenario(String scenario) {
        return summary.stream().anyMatch(r -> r.scenario().equals(scenario));
    }

    void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        StringBuilder r = new StringBuilder("scenario,target,round,metric,value\n");
        for (Row row : rounds) {
            r.append(csv(row.scenario())).append(',').append(csv(row.target())).append(',').append(row.round()).append(',')
                .append(csv(row.metric())).append(',').append(number(row.value())).append('\n');
        }
        Files.writeString(dir.resolve("rounds.csv"), r, StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("summary.csv"), summaryCsv(), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("results.json"), json(), StandardCharsets.UTF_8);
        StringBuilder t = new StringBuilder();
        StringBuilder md = new StringBuilder();
        for (Titled tt : tables) {
            t.append("== ").append(tt.title()).append('\n').append(tt.table().render()).append('\n');
            md.append("**").append(tt.title()).append("**\n\n").append(tt.table().markdown()).append('\n');
        }
        Files.writeString(dir.resolve("tables.txt"), t, StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("tables.md"), md, StandardCharsets.UTF_8);
    }

    String summaryCsv() {
        StringBuilder s = new StringBuilder();
        for (Map.Entry<String, String> f : facts.entrySet()) {
            s.append("# ").append(f.getKey()).append('=').append(f.getValue().replace('\n', ' ')).append('\n');
        }
        s.append("scenario,target,metric,value\n");
        for (Row row : summary) {
            s.append(csv(row.scenario())).append(',').append(csv(row.target())).append(',').append(csv(row.metric()))
                .append(',').append(number(row.value())).append('\n');
        }
        return s.toString();
    }

    /** Reads a {@code summary.csv} written by {@link #write} (facts and summary rows). */
    static Results readSummary(Path file) throws IOException {
        Results res = new Results();
        boolean header = true;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.startsWith("# ")) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    res.facts.put(line.substring(2, eq), line.substring(eq + 1));
                }
                continue;
            }
            if (line.isBlank()) {
                continue;
            }
            if (header) {
                header = false;
                continue;
            }
            List<String> f = parseCsvLine(line);
            if (f.size() != 4) {
                throw new IOException("bad line in " + file + ": " + line);
            }
            res.summary(f.get(0), f.get(1), f.get(2), f.get(3).isEmpty() ? Double.NaN : Double.parseDouble(f.get(3)));
        }
        return res;
    }

    String json() {
        StringBuilder j = new StringBuilder("{\n  \"facts\": {");
        boolean first = true;
        for (Map.Entry<String, String> f : facts.entrySet()) {
            j.append(first ? "\n" : ",\n").append("    ").append(jsonString(f.getKey())).append(": ")
                .append(jsonString(f.getValue()));
            first = false;
        }
        j.append("\n  },\n  \"summary\": [");
        rowsJson(j, summary, false);
        j.append("\n  ],\n  \"rounds\": [");
        rowsJson(j, rounds, true);
        return j.append("\n  ]\n}\n").toString();
    }

    private static void rowsJson(StringBuilder j, List<Row> rows, boolean withRound) {
        boolean first = true;
        for (Row r : rows) {
            j.append(first ? "\n" : ",\n").append("    {\"scenario\": ").append(jsonString(r.scenario()))
                .append(", \"target\": ").append(jsonString(r.target()));
            if (withRound) {
                j.append(", \"round\": ").append(r.round());
            }
            j.append(", \"metric\": ").append(jsonString(r.metric())).append(", \"value\": ")
                .append(Double.isNaN(r.value()) || Double.isInfinite(r.value()) ? "null" : number(r.value())).append('}');
            first = false;
        }
    }

    static String number(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return "";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return String.format(Locale.ROOT, "%.6g", v);
    }

    static String csv(String s) {
        if (s.contains(",") || s.contains("\"") || s.contains("\n")) {
            return '"' + s.replace("\"", "\"\"") + '"';
        }
        return s;
    }

    static List<String> parseCsvLine(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    cur.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    cur.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString());
        return out;
    }

    static String jsonString(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
