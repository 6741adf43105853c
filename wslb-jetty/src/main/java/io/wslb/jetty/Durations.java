package io.wslb.jetty;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as people write them in configuration: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 1d},
 * ISO-8601 ({@code PT30S}), or {@code 0}. One grammar for every place wslb reads a duration from text (the
 * launcher's flags, the admin API's drain windows), so that what one accepts the other does too.
 *
 * <pre>{@code
 * Duration window = Durations.parse("30s");      // PT30S
 * Duration timeout = Durations.parse("PT0.5S");  // PT0.5S
 * }</pre>
 */
public final class Durations {

    private static final Pattern SHORT = Pattern.compile("(-?\\d{1,12})(ms|s|m|h|d)");

    private Durations() {}

    /**
     * @param text the duration
     * @return it, never negative
     * @throws IllegalArgumentException if it is malformed or negative (the message shows the accepted forms)
     */
    public static Duration parse(String text) {
        requireNonNull(text, "text");
        String trimmed = text.trim().toLowerCase(Locale.ROOT);
        if (trimmed.equals("0")) {
            return Duration.ZERO;
        }
        Duration parsed;
        Matcher m = SHORT.matcher(trimmed);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            parsed = switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        } else {
            try {
                parsed = Duration.parse(trimmed.toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("'" + text + "' is not a duration (e.g. 500ms, 30s, 5m, 2h, 1d, PT30S)", e);
            }
        }
        if (parsed.isNegative()) {
            throw new IllegalArgumentException("'" + text + "' must not be negative");
        }
        return parsed;
    }
}
