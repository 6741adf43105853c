package io.wslb.strategies.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JsonClaimsTest {

    @Test
    void readsStringsNumbersAndBooleans_atTheTopLevelOnly() {
        String json = "{ \"sub\" : \"a\\\"b\\u0041\", \"n\": 12.5, \"ok\": true, \"obj\": {\"sub\": \"inner\", \"arr\": [1, \"}\"]},"
            + " \"arr\": [\"x\"], \"nil\": null }";
        assertThat(JsonClaims.member(json, "sub")).isEqualTo("a\"bA");
        assertThat(JsonClaims.member(json, "n")).isEqualTo("12.5");
        assertThat(JsonClaims.member(json, "ok")).isEqualTo("true");
        assertThat(JsonClaims.member(json, "obj")).isNull();
        assertThat(JsonClaims.member(json, "arr")).isNull();
        assertThat(JsonClaims.member(json, "nil")).isNull();
        assertThat(JsonClaims.member(json, "missing")).isNull();
        assertThat(JsonClaims.member("{}", "sub")).isNull();
    }

    @Test
    void malformedJson_yieldsNull_neverAnException() {
        for (String json : new String[] {"", "[", "{", "{\"a\"", "{\"a\":", "{\"a\":\"unterminated", "{\"a\":1 \"b\":2}",
            "{\"a\":\"\\x\"}", "not json", "{\"a\":{\"b\":[}", "{\"a\":1,\"a\":2}", "{\"a\":1} trailing"}) {
            assertThat(JsonClaims.member(json, "a")).as(json).isNull();
        }
    }
}
