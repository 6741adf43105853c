package io.wslb.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultsTest {
    static Results sample() {
        Results r = new Results();
        r.facts.put("date", "2026-11-23T22:00");
        r.facts.put("machine", "AMD EPYC, 2 cores, \"quoted\", a=b");
        r.facts.put("scenario.echo-64", "100 connections x 4 in flight x 64 B binary");
        r.facts.put("scenario.rate", "5000 msg/s open loop over 100 connections, 64 B");
        for (String t : List.of("direct", "wslb", "nginx", "haproxy")) {
            boolean d = t.equals("direct");
            r.round("echo-64", t, 1, "rt_per_s", 100_000);
            r.summary("echo-64", t, "rt_per_s", d ? 100_000 : 80_000);
            r.summary("echo-64", t, "ratio", d ? 1 : 0.8);
            r.summary("echo-64", t, "proxy_us_per_rt", d ? Double.NaN : 8.5);
            r.summary("echo-64k", t, "ratio", d ? 1 : 0.5);
            r.summary("rate", t, "added_p50_ms", d ? Double.NaN : 0.12);
            r.summary("rate", t, "added_p99_ms", d ? Double.NaN : -0.02);
            r.summary("connect", t, "ratio", d ? 1 : 0.9);
            r.summary("idle-8000", t, "sum_b_per_conn", d ? 2500 : 4700);
        }
        return r;
    }

    @Test
    void summaryRoundTripsThroughCsv(@TempDir Path dir) throws Exception {
        Results r = sample();
        r.tables.add(new Results.Titled("t", new Table("a", "b").row("x", "1")));
        r.write(dir);
        Results back = Results.readSummary(dir.resolve("summary.csv"));
        assertThat(back.facts).isEqualTo(r.facts);
        assertThat(back.summary).hasSize(r.summary.size());
        assertThat(back.get("echo-64", "wslb", "ratio")).hasValue(0.8);
        assertThat(back.get("echo-64", "direct", "proxy_us_per_rt")).isEmpty();
        assertThat(back.get("rate", "nginx", "added_p99_ms")).hasValue(-0.02);
        assertThat(back.targets()).containsExactly("direct", "wslb", "nginx", "haproxy");
        assertThat(Files.readString(dir.resolve("rounds.csv"))).startsWith("scenario,target,round,metric,value\n")
            .contains("echo-64,wslb,1,rt_per_s,100000\n");
        assertThat(Files.readString(dir.resolve("tables.txt"))).contains("== t");
        assertThat(Files.readString(dir.resolve("tables.md"))).contains("| a | b |");
    }

    @Test
    void jsonHasNullsForMissingFiguresAndEscapes() {
        String json = sample().json();
        assertThat(json).contains("\"machine\": \"AMD EPYC, 2 cores, \\\"quoted\\\", a=b\"")
            .contains("{\"scenario\": \"echo-64\", \"target\": \"direct\", \"metric\": \"proxy_us_per_rt\", \"value\": null}")
            .contains("\"round\": 1");
        // balanced
        assertThat(json.chars().filter(c -> c == '{').count()).isEqualTo(json.chars().filter(c -> c == '}').count());
        assertThat(json.chars().filter(c -> c == '[').count()).isEqualTo(json.chars().filter(c -> c == ']').count());
    }

    @Test
    void csvQuoting() {
        assertThat(Results.csv("plain")).isEqualTo("plain");
        assertThat(Results.csv("a,b")).isEqualTo("\"a,b\"");
        assertThat(Results.parseCsvLine("x,\"a,\"\"b\"\"\",3")).containsExactly("x", "a,\"b\"", "3");
        assertThat(Results.number(3.0)).isEqualTo("3");
        assertThat(Results.number(0.123456789)).isEqualTo("0.123457");
        assertThat(Results.number(Double.NaN)).isEmpty();
    }
}
