package io.wslb.jetty.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wslb.jetty.internal.admin.FlatJson;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The request-body parser: flat objects of strings, numbers, booleans and null, strictly. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class FlatJsonTest {

    @Test
    void readsEveryValueTypeInDocumentOrder() {
        FlatJson json = FlatJson.parse(" {\n\t\"s\" : \"x\", \"i\":-12 ,\"d\":1.5e3,\"t\":true,\"f\":false,\"n\":null ,\"e\":\"\"}\r\n");

        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("s", "x");
        expected.put("i", new BigDecimal("-12"));
        expected.put("d", new BigDecimal("1.5e3"));
        expected.put("t", true);
        expected.put("f", false);
        expected.put("n", null);
        expected.put("e", "");
        assertThat(json.fields()).containsExactlyEntriesOf(expected);
    }

    @Test
    void anEmptyBodyOrObject_hasNoFields() {
        assertThat(FlatJson.parse("").fields()).isEmpty();
        assertThat(FlatJson.parse("  \n").fields()).isEmpty();
        assertThat(FlatJson.parse("{ }").fields()).isEmpty();
    }

    @Test
    void decodesEveryEscape() {
        String text = "{\"k\":\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t \\u00e9\\u00C9 \\ud83d\\ude00 \\u0000 é 😀\"}";

        assertThat(FlatJson.parse(text).string("k")).isEqualTo("q\" b\\ s/ \b\f\n\r\t éÉ 😀 \u0000 é 😀");
        assertThat(FlatJson.parse("{\"\\u0041\\n\":1}").fields()).containsOnlyKeys("A\n");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "{\"k\":\"\\x\"}                | invalid escape '\\x'",
        "{\"k\":\"\\u12g4\"}            | \\u must be followed by 4 hex digits",
        "{\"k\":\"\\u12\"}              | \\u must be followed by 4 hex digits",
        "{\"k\":\"\\u１２３４\"}          | \\u must be followed by 4 hex digits",
        "{\"k\":\"\\u12                  | \\u must be followed by 4 hex digits",
        "{\"k\":\"\\                     | invalid escape '\\'",
        "{\"k\":\"abc                   | unterminated string",
        "{\"k\":{\"a\":1}}              | \"k\": nested objects and arrays are not supported",
        "{\"k\":[1]}                    | \"k\": nested objects and arrays are not supported",
        "[]                             | expected a JSON object starting with '{'",
        "\"s\"                          | expected a JSON object starting with '{'",
        "{\"a\":1}{\"b\":2}             | unexpected text after the object",
        "{\"a\":1,}                     | expected a field name in double quotes",
        "{\"a\" 1}                      | expected ':' after field name \"a\"",
        "{\"a\":1 \"b\":2}              | expected ',' or '}' after the value of \"a\"",
        "{\"a\":1,\"a\":2}              | duplicate field \"a\"",
        "{\"a\":tru}                    | expected a string, number, true, false or null",
        "{\"a\":NaN}                    | expected a string, number, true, false or null",
        "{\"a\":+1}                     | expected a string, number, true, false or null",
        "{\"a\":01}                     | expected ',' or '}' after the value of \"a\"",
        "{\"a\":1.}                     | expected a digit after '.'",
        "{\"a\":.5}                     | expected a string, number, true, false or null",
        "{\"a\":-}                      | expected a digit",
        "{\"a\":1e}                     | expected a digit in the exponent",
        "{\"a\":1e99999999999}          | number out of range",
        "{a:1}                          | expected a field name in double quotes",
        "{\"a\":                        | unexpected end of input",
    })
    void rejectsWhatIsNotAFlatObject(String text, String message) {
        assertThatThrownBy(() -> FlatJson.parse(text)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith("malformed JSON at offset ").hasMessageEndingWith(": " + message);
    }

    @Test
    void rejectsRawControlCharactersInStrings_withTheirPosition() {
        assertThatThrownBy(() -> FlatJson.parse("{\"k\":\"a\nb\"}")).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("malformed JSON at offset 7: control character U+000A in a string must be escaped");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"0, 0", "-0, 0", "7, 7", "-7, -7", "3.0, 3", "3e2, 300", "300E-2, 3", "2147483647, 2147483647",
        "-2147483648, -2147483648", "1.000000000000000000000e1, 10"})
    void readsWholeNumbersAsInts(String literal, int expected) {
        assertThat(FlatJson.parse("{\"n\":" + literal + "}").integer("n", 99)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({"1.5", "2147483648", "-2147483649", "1e10", "1e999999999", "1e-999999999", "\"1\"", "true"})
    void refusesWhatIsNotAnIntAsAnInt(String literal) {
        FlatJson json = FlatJson.parse("{\"n\":" + literal + "}");

        assertThatThrownBy(() -> json.integer("n", 0)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith("\"n\" must be a whole number");
    }

    @Test
    void typedGetters_defaultWhenAbsentOrNull_andNameTheFieldOnAWrongType() {
        FlatJson json = FlatJson.parse("{\"n\":null,\"s\":1,\"b\":\"true\"}");

        assertThat(json.integer("n", 5)).isEqualTo(5);
        assertThat(json.integer("missing", 6)).isEqualTo(6);
        assertThat(json.bool("n", true)).isTrue();
        assertThat(json.string("n")).isNull();
        assertThat(json.string("missing")).isNull();
        assertThatThrownBy(() -> json.string("s")).hasMessage("\"s\" must be a string, got 1");
        assertThatThrownBy(() -> json.bool("b", false)).hasMessage("\"b\" must be true or false, got \"true\"");
    }

    @Test
    void allowOnly_namesTheFirstUnknownField() {
        FlatJson json = FlatJson.parse("{\"weight\":1,\"wieght\":2}");

        assertThatThrownBy(() -> json.allowOnly(Set.of("weight", "id"))).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("unknown field \"wieght\"; allowed: id, weight");
    }
}
