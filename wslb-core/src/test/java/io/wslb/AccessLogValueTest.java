package io.wslb;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A value that could break a line's {@code key=value} split is quoted and escaped; a plain token is left alone. */
class AccessLogValueTest {

    private static String value(String raw) {
        StringBuilder line = new StringBuilder();
        AccessLog.value(line, raw);
        return line.toString();
    }

    @Test
    void plainTokens_areWrittenAsIs() {
        assertThat(value("/chat/room-1")).isEqualTo("/chat/room-1");
        assertThat(value("backend-a")).isEqualTo("backend-a");
    }

    @Test
    void spacesQuotesEqualsAndControlCharacters_areQuotedAndEscaped() {
        assertThat(value("a b")).isEqualTo("\"a b\"");
        assertThat(value("x=1")).isEqualTo("\"x=1\"");
        assertThat(value("say \"hi\"")).isEqualTo("\"say \\\"hi\\\"\"");
        assertThat(value("line\nbreak")).isEqualTo("\"line\\x0abreak\"");
        assertThat(value("")).isEqualTo("\"\"");
    }
}
