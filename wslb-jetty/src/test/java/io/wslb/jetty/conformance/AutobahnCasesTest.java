package io.wslb.jetty.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The case list is Autobahn's: the same numbers, as many cases per group, none twice. */
class AutobahnCasesTest {

    @Test
    void everyGroupHasAutobahnsNumberOfCases_andEveryIdIsUnique() {
        List<AutobahnCase> cases = AutobahnCases.all();

        Map<Integer, Long> perGroup = cases.stream().collect(Collectors.groupingBy(AutobahnCase::group, TreeMap::new, Collectors.counting()));

        assertThat(perGroup).containsExactlyEntriesOf(new TreeMap<>(Map.of(1, 16L, 2, 11L, 3, 7L, 4, 10L, 5, 20L, 6, 145L, 7, 37L, 10, 1L)));
        assertThat(cases).extracting(AutobahnCase::id).doesNotHaveDuplicates();
        assertThat(cases).extracting(AutobahnCase::id).contains("6.4.4", "6.5.1", "6.6.11", "6.12.8", "6.22.34", "6.23.7", "7.7.13", "7.9.9", "7.13.2");
        assertThat(cases).extracting(AutobahnCase::id).doesNotContain("6.22.35", "6.24.1", "7.7.14");
    }

    @Test
    void theUtf8Table_agreesWithTheJdksStrictDecoder() {
        long checked = Utf8Sequences.groups().stream().flatMap(g -> g.sequences().stream())
            .filter(s -> s.valid() == Utf8Sequences.strictlyValid(s.bytes())).count();
        long all = Utf8Sequences.groups().stream().mapToLong(g -> g.sequences().size()).sum();

        assertThat(checked).isEqualTo(all).isEqualTo(132);
    }
}
