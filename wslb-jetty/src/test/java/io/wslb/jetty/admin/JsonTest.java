package io.wslb.jetty.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wslb.BackendHealth;
import io.wslb.jetty.internal.admin.FlatJson;
import io.wslb.jetty.internal.admin.Json;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The response writer: correct escapes, nesting, numbers. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class JsonTest {

    @Test
    void escapesQuotesBackslashesAndControlCharacters() {
        assertThat(Json.write("a\"b\\c/d\b\f\n\r\t\u0000\u001f\u007f"))
            .isEqualTo("\"a\\\"b\\\\c/d\\b\\f\\n\\r\\t\\u0000\\u001f\u007f\"");
    }

    @Test
    void keepsPairedSurrogates_andEscapesUnpairedOnesAndLineSeparators() {
        assertThat(Json.write("é😀")).isEqualTo("\"é😀\"");
        assertThat(Json.write("x\ud83dy\ude00")).isEqualTo("\"x\\ud83dy\\ude00\"");
        assertThat(Json.write("\u2028\u2029")).isEqualTo("\"\\u2028\\u2029\"");
    }

    @Test
    void writesNestedMapsAndListsInOrder() {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("z", 1);
        inner.put("a", null);
        Map<String, Object> outer = new LinkedHashMap<>();
        outer.put("list", List.of(1, "two", true, List.of(), Map.of()));
        outer.put("inner", inner);
        outer.put("health", BackendHealth.EJECTED);

        assertThat(Json.write(outer))
            .isEqualTo("{\"list\":[1,\"two\",true,[],{}],\"inner\":{\"z\":1,\"a\":null},\"health\":\"EJECTED\"}");
    }

    @Test
    void writesNumbersAsJsonNumbers() {
        assertThat(Json.write(Arrays.asList(0, -7, Long.MAX_VALUE, 1.5, new BigDecimal("1E+3"), 2.5f, null)))
            .isEqualTo("[0,-7,9223372036854775807,1.5,1E+3,2.5,null]");
        assertThatThrownBy(() -> Json.write(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Json.write(Double.POSITIVE_INFINITY)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesWhatItCannotWrite() {
        assertThatThrownBy(() -> Json.write(new Object())).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("cannot write a java.lang.Object");
        assertThatThrownBy(() -> Json.write(Map.of(1, "x"))).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("keys must be strings");
    }

    @Test
    void everyBmpCharacter_survivesAWriteAndParseRoundTrip() {
        StringBuilder all = new StringBuilder();
        for (char c = 0; c < 0xD800; c++) {
            all.append(c);
        }
        for (char c = 0xE000; c != 0; c++) {
            all.append(c);
        }
        all.append("😀");
        List<String> keys = new ArrayList<>(List.of("k", "\"quoted\"\n"));
        Map<String, Object> doc = new LinkedHashMap<>();
        for (String key : keys) {
            doc.put(key, all.toString());
        }

        FlatJson back = FlatJson.parse(Json.write(doc));

        assertThat(back.fields()).containsOnlyKeys(keys.toArray(String[]::new));
        assertThat(back.string("k")).isEqualTo(all.toString());
        assertThat(TestJson.object(Json.write(doc))).isEqualTo(doc);
    }
}
