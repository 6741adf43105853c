package io.wslb.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Configuration templates of the non-Java targets (NGINX, HAProxy): text with {@code {{name}}} placeholders (a syntax
 * neither NGINX nor HAProxy uses), shipped as resources next to this class and rendered with the ports of a run.
 */
final class Templates {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([a-z0-9_]+)}}");
    static final String NGINX_RESOURCE = "nginx.conf";
    static final String HAPROXY_RESOURCE = "haproxy.cfg";
    /** Open files one process may have on the bench machine; the NGINX/HAProxy settings stay inside it. */
    static final int OPEN_FILES_LIMIT = 20_000;

    private Templates() {
    }

    /** Replaces every {@code {{name}}}; fails on a placeholder without a value, so no template goes out half-filled. */
    static String render(String template, Map<String, String> vars) {
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder();
        List<String> missing = new ArrayList<>();
        while (m.find()) {
            String v = vars.get(m.group(1));
            if (v == null) {
                missing.add(m.group(1));
                v = m.group();
            }
            m.appendReplacement(out, Matcher.quoteReplacement(v));
        }
        m.appendTail(out);
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("template placeholders without a value: " + missing);
        }
        return out.toString();
    }

    /** The shipped template {@code name}, or the file {@code override} if given. */
    static String load(String name, @Nullable Path override) throws IOException {
        if (override != null) {
            return Files.readString(override, StandardCharsets.UTF_8);
        }
        try (InputStream in = Templates.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("resource " + name + " missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /**
     * NGINX configuration: one worker per core; worker_connections and the open-files limit sized for 8,000+
     * proxied connections while each process stays under the machine's limit.
     */
    static String nginx(String template, int port, List<Integer> backendPorts, Path dir, Path errorLog, int workers) {
        return nginx(template, port, backendPorts, dir, errorLog, workers, null);
    }

    /** The same, terminating TLS with {@code tls} when it is given. */
    static String nginx(String template, int port, List<Integer> backendPorts, Path dir, Path errorLog, int workers,
        @Nullable TlsSettings tls) {
        StringBuilder servers = new StringBuilder();
        for (int p : backendPorts) {
            servers.append("        server 127.0.0.1:").append(p).append(";\n");
        }
        Map<String, String> vars = new LinkedHashMap<>();
        vars.put("port", Integer.toString(port));
        vars.put("workers", Integer.toString(workers));
        vars.put("worker_connections", Integer.toString(OPEN_FILES_LIMIT - 1000));
        vars.put("rlimit_nofile", Integer.toString(OPEN_FILES_LIMIT));
        vars.put("dir", dir.toString());
        vars.put("error_log", errorLog.toString());
        vars.put("upstream_servers", stripLastNewline(servers));
        vars.put("listen_ssl", tls == null ? "" : " ssl");
        vars.put("ssl_settings", tls == null ? "" : nginxSsl(tls));
        for (int i = 0; i < backendPorts.size(); i++) {
            vars.put("backend" + (i + 1), Integer.toString(backendPorts.get(i)));
        }
        return render(template, vars);
    }

    /** NGINX's TLS lines: the certificate, TLS 1.2 and 1.3, and either no resumption at all or a shared cache and tickets. */
    private static String nginxSsl(TlsSettings tls) {
        String indent = "        ";
        return indent + "ssl_certificate " + tls.certificate().certificate() + ";\n"
            + indent + "ssl_certificate_key " + tls.certificate().key() + ";\n"
            + indent + "ssl_protocols TLSv1.2 TLSv1.3;\n"
            + (tls.resumption()
                ? indent + "ssl_session_cache shared:SSL:20m;\n" + indent + "ssl_session_tickets on;"
                : indent + "ssl_session_cache off;\n" + indent + "ssl_session_tickets off;");
    }

    /** HAProxy configuration: one thread per core, maxconn sized for 8,000+ proxied connections (two fds each). */
    static String haproxy(String template, int port, List<Integer> backendPorts, int threads) {
        return haproxy(template, port, backendPorts, threads, null);
    }

    /** The same, terminating TLS with {@code tls} when it is given. */
    static String haproxy(String template, int port, List<Integer> backendPorts, int threads, @Nullable TlsSettings tls) {
        StringBuilder servers = new StringBuilder();
        for (int i = 0; i < backendPorts.size(); i++) {
            servers.append("    server b").append(i + 1).append(" 127.0.0.1:").append(backendPorts.get(i)).append('\n');
        }
        Map<String, String> vars = new LinkedHashMap<>();
        vars.put("port", Integer.toString(port));
        vars.put("threads", Integer.toString(threads));
        vars.put("maxconn", Integer.toString(haproxyMaxconn()));
        vars.put("servers", stripLastNewline(servers));
        vars.put("bind_tls", tls == null ? "" : " ssl crt " + tls.certificate().combined() + " ssl-min-ver TLSv1.2"
            + (tls.resumption() ? "" : " no-tls-tickets"));
        vars.put("tls_global", tls == null || tls.resumption() ? "" : "    tune.ssl.cachesize 0");
        for (int i = 0; i < backendPorts.size(); i++) {
            vars.put("backend" + (i + 1), Integer.toString(backendPorts.get(i)));
        }
        return render(template, vars);
    }

    /** Two fds per proxied connection plus HAProxy's own (listeners, pollers, pipes): stay under the limit. */
    static int haproxyMaxconn() {
        return (OPEN_FILES_LIMIT - 1000) / 2;
    }

    /** How a TLS target terminates TLS: the run's certificate, and whether it lets clients resume sessions. */
    record TlsSettings(BenchCertificate certificate, boolean resumption) {
    }

    private static String stripLastNewline(StringBuilder b) {
        return b.length() > 0 && b.charAt(b.length() - 1) == '\n' ? b.substring(0, b.length() - 1) : b.toString();
    }
}
