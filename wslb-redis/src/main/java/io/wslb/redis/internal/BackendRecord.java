package io.wslb.redis.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import io.wslb.Backend;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * One backend as the instances share it: the value of its field in the shared backend set, and the message that
 * announces it, are the same text. A record is the whole state of the backend (not a difference), so that the last
 * one written is all an instance needs, whichever it missed before.
 *
 * <pre>{@code
 * wslb1:backend?version=17&id=b2&action=drain&origin=lb-a&state=draining&window=PT30S
 *     &uri=ws%3A%2F%2F10.0.0.2%3A3000&weight=1&maxConnections=0&backup=false&meta.zone=eu-west-1a
 * }</pre>
 *
 * <p>(one line in Redis). Values are URL-encoded (UTF-8), so {@code &} and {@code =} occur only between fields;
 * {@code window} is ISO-8601; a removed backend (a tombstone) has no {@code uri}, {@code weight},
 * {@code maxConnections}, {@code backup} nor {@code meta.*}. The text is {@link #HEAD}, the version, then three parts
 * in this order: who did what ({@code id}, {@code action}, {@code origin}), the {@linkplain #statePart() state}
 * ({@code state}, {@code window}) and the {@linkplain #configurationPart() configuration} (from {@code uri} on), so
 * that the script that writes a record can put in the version Redis hands out and keep the other instances' part of
 * what it replaces (see {@link Action#part()}). Anything else is not a record wslb wrote: {@link #decode} refuses
 * unknown, repeated or missing fields.
 *
 * @param id the backend's id
 * @param version the version Redis handed out with {@code INCR}; 0 for a change not yet written
 * @param action what the instance that wrote it did, last
 * @param state the backend's state after it
 * @param backend its configuration; null only when removed
 * @param window the drain window: of the last drain while draining (zero if unknown), of the drain before a removal
 *     when it was drained first (null if it was removed at once), null while active
 * @param origin the id of the instance that wrote it
 */
public record BackendRecord(String id, long version, Action action, State state, @Nullable Backend backend,
                            @Nullable Duration window, String origin) {

    /** What every record starts with, up to its version. */
    public static final String HEAD = "wslb1:backend?version=";

    private static final Set<String> FIELDS = Set.of("id", "action", "state", "window", "origin", "uri", "weight", "maxConnections", "backup");
    private static final Set<String> CONFIGURATION = Set.of("uri", "weight", "maxConnections", "backup");
    private static final String META = "meta.";

    /** What an instance did to the backend. */
    public enum Action {
        /** Added it. */ ADD,
        /** Changed its configuration (URI, weight, cap, backup, metadata). */ UPDATE,
        /** Drained it. */ DRAIN,
        /** Ended its drain. */ RESUME,
        /** Removed it, drained first or not. */ REMOVE,
        /** Wrote it into a shared set that was empty, or that lost what this instance knew: the backend as it has it. */ SEED;

        String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** {@return the part of the record this action decides; the rest is kept from the record it replaces} */
        public Part part() {
            return switch (this) {
                case UPDATE -> Part.CONFIGURATION;
                case DRAIN, RESUME -> Part.STATE;
                case ADD, REMOVE, SEED -> Part.WHOLE;
            };
        }
    }

    /** What a write decides, so that concurrent changes of different parts of one backend both survive. */
    public enum Part {
        /** The whole record: an add, a removal, a seed. */ WHOLE,
        /** The drain state only: a drain or a resume keeps the configuration written last, by whomever. */ STATE,
        /** The configuration only: an update keeps the drain state written last, by whomever. */ CONFIGURATION;

        /** {@return the name the write script takes} */
        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The backend's state. */
    public enum State {
        /** In the pool, taking connections. */ ACTIVE,
        /** In the pool, draining. */ DRAINING,
        /** Not in the pool: a tombstone that keeps the version of the removal. */ REMOVED;

        String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A record that is not one wslb wrote, or whose backend this version of wslb does not accept. */
    public static final class Malformed extends Exception {
        private final @Nullable String id;
        private final long version;

        Malformed(String message, @Nullable String id, long version) {
            super(message, null, false, false);
            this.id = id;
            this.version = version;
        }

        /** {@return the backend id, when the record is wslb's in form and only its backend is refused; else null} */
        public @Nullable String refusedId() {
            return id;
        }

        /** {@return the record's version, when {@link #refusedId()} is not null} */
        public long version() {
            return version;
        }
    }

    /** Checks that the parts fit together. */
    public BackendRecord {
        requireNonNull(id, "id");
        requireNonNull(action, "action");
        requireNonNull(state, "state");
        requireNonNull(origin, "origin");
        if (version < 0) {
            throw new IllegalArgumentException("version must not be negative, got " + version);
        }
        if ((state == State.REMOVED) != (backend == null)) {
            throw new IllegalArgumentException("a record has a backend unless it is removed: " + state + ", " + backend);
        }
        if (backend != null && !backend.id().equals(id)) {
            throw new IllegalArgumentException("record of " + id + " holds backend " + backend.id());
        }
        if (state == State.ACTIVE && window != null || state == State.DRAINING && window == null) {
            throw new IllegalArgumentException("a drain window goes with a drain: " + state + ", " + window);
        }
        if (window != null && window.isNegative()) {
            throw new IllegalArgumentException("window must not be negative, got " + window);
        }
    }

    /** {@return the record as stored and published} */
    public String encode() {
        return HEAD + version + tail();
    }

    /** {@return what follows the version: {@link #whoPart()}, {@link #statePart()}, {@link #configurationPart()}} */
    public String tail() {
        return whoPart() + statePart() + configurationPart();
    }

    /** {@return {@code &id=...&action=...&origin=...}} */
    public String whoPart() {
        StringBuilder out = new StringBuilder();
        field(out, "id", id);
        field(out, "action", action.wire());
        field(out, "origin", origin);
        return out.toString();
    }

    /** {@return {@code &state=...}, then {@code &window=...} if there is one} */
    public String statePart() {
        StringBuilder out = new StringBuilder();
        field(out, "state", state.wire());
        if (window != null) {
            field(out, "window", window.toString());
        }
        return out.toString();
    }

    /** {@return {@code &uri=...} to the end; empty for a removed backend} */
    public String configurationPart() {
        StringBuilder out = new StringBuilder();
        Backend b = backend;
        if (b != null) {
            field(out, "uri", b.uri().toString());
            field(out, "weight", Integer.toString(b.weight()));
            field(out, "maxConnections", Integer.toString(b.maxConnections()));
            field(out, "backup", Boolean.toString(b.backup()));
            for (Map.Entry<String, String> label : new TreeMap<>(b.metadata()).entrySet()) {
                field(out, META + encode(label.getKey()), label.getValue());
            }
        }
        return out.toString();
    }

    private static void field(StringBuilder out, String name, String value) {
        out.append('&').append(name).append('=').append(encode(value));
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, UTF_8);
    }

    /**
     * @param text a value of the shared set or a message of the channel
     * @return the record it holds
     * @throws Malformed if it is not a record wslb wrote, or its backend is not valid here
     */
    public static BackendRecord decode(String text) throws Malformed {
        if (!text.startsWith(HEAD)) {
            throw malformed("does not start with " + HEAD);
        }
        Map<String, String> fields = new HashMap<>();
        Map<String, String> metadata = new HashMap<>();
        String[] parts = text.substring(HEAD.length()).split("&", -1);
        long version = positive(parts[0], "version");
        for (int i = 1; i < parts.length; i++) {
            int eq = parts[i].indexOf('=');
            if (eq <= 0) {
                throw malformed("a part without a name: '" + abbreviate(parts[i]) + "'");
            }
            String name = decodePart(parts[i].substring(0, eq));
            String value = decodePart(parts[i].substring(eq + 1));
            boolean fresh;
            if (name.startsWith(META)) {
                fresh = metadata.put(name.substring(META.length()), value) == null;
            } else if (FIELDS.contains(name)) {
                fresh = fields.put(name, value) == null;
            } else {
                throw malformed("an unknown field '" + abbreviate(name) + "'");
            }
            if (!fresh) {
                throw malformed("field '" + abbreviate(name) + "' twice");
            }
        }
        String id = required(fields, "id");
        Action action = named(Action.class, required(fields, "action"), "action");
        State state = named(State.class, required(fields, "state"), "state");
        String origin = required(fields, "origin");
        Duration window = null;
        String windowText = fields.get("window");
        if (windowText != null) {
            try {
                window = Duration.parse(windowText);
            } catch (DateTimeParseException e) {
                throw malformed("window '" + abbreviate(windowText) + "' is not an ISO-8601 duration");
            }
        }
        long configured = CONFIGURATION.stream().filter(fields::containsKey).count();
        if (configured != 0 && configured != CONFIGURATION.size() || state == State.REMOVED && (configured != 0 || !metadata.isEmpty())
            || state != State.REMOVED && configured == 0) {
            throw malformed("uri, weight, maxConnections and backup go together, with every state but removed");
        }
        Backend backend = null;
        if (configured != 0) {
            int weight = (int) Math.min(Integer.MAX_VALUE, number(required(fields, "weight"), "weight"));
            int maxConnections = (int) Math.min(Integer.MAX_VALUE, number(required(fields, "maxConnections"), "maxConnections"));
            String backup = required(fields, "backup");
            if (!backup.equals("true") && !backup.equals("false")) {
                throw malformed("backup must be true or false, got '" + abbreviate(backup) + "'");
            }
            try {
                backend = new Backend(id, new URI(required(fields, "uri")), weight, metadata, maxConnections, Boolean.parseBoolean(backup));
            } catch (URISyntaxException | IllegalArgumentException e) {
                // wslb's form, but a backend this instance refuses: the caller skips this version of it.
                throw new Malformed("backend " + id + " refused: " + e.getMessage(), id, version);
            }
        }
        try {
            return new BackendRecord(id, version, action, state, backend, window, origin);
        } catch (IllegalArgumentException e) {
            throw malformed(String.valueOf(e.getMessage()));
        }
    }

    private static String required(Map<String, String> fields, String name) throws Malformed {
        String value = fields.get(name);
        if (value == null || value.isEmpty()) {
            throw malformed("no " + name);
        }
        return value;
    }

    private static long positive(String text, String name) throws Malformed {
        long value = number(text, name);
        if (value == 0) {
            throw malformed(name + " must be positive");
        }
        return value;
    }

    private static long number(String text, String name) throws Malformed {
        if (text.isEmpty() || text.length() > 18 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw malformed(name + " '" + abbreviate(text) + "' is not a number");
        }
        return Long.parseLong(text);
    }

    private static <E extends Enum<E>> E named(Class<E> type, String text, String name) throws Malformed {
        for (E constant : type.getEnumConstants()) {
            if (constant.name().toLowerCase(Locale.ROOT).equals(text)) {
                return constant;
            }
        }
        throw malformed(name + " '" + abbreviate(text) + "' is unknown");
    }

    private static String decodePart(String text) throws Malformed {
        try {
            return URLDecoder.decode(text, UTF_8);
        } catch (IllegalArgumentException e) {
            throw malformed("bad URL encoding in '" + abbreviate(text) + "'");
        }
    }

    private static Malformed malformed(String message) {
        return new Malformed(message, null, 0);
    }

    /**
     * @param text what Redis held or carried, possibly long or binary
     * @return at most 60 characters of it, printable ASCII, for a log line
     */
    public static String abbreviate(String text) {
        return abbreviate(text, 60);
    }

    /**
     * @param text what Redis held or carried, possibly long or binary
     * @param max how many characters of it to keep at most
     * @return at most {@code max} characters of it, printable ASCII (others become {@code ?}), for a log line
     */
    static String abbreviate(String text, int max) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length() && out.length() < max; i++) {
            char c = text.charAt(i);
            out.append(c >= 0x20 && c < 0x7F ? c : '?');
        }
        return text.length() > max ? out + "..." : out.toString();
    }
}
