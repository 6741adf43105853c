package io.wslb.jetty.internal.health;

import io.wslb.Backend;
import io.wslb.BackendPool;
import io.wslb.HealthCheck;
import io.wslb.LiveBackend;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.eclipse.jetty.util.thread.Scheduler;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link HealthCheck} against every backend of a pool, each on its own timer, and turns the results into
 * {@link BackendPool#markUnhealthy} / {@link BackendPool#markHealthy} after {@code fall} failures or {@code rise}
 * successes in a row. Probes use the JDK's HTTP client (HTTP GET, or a real WebSocket upgrade with an optional
 * ping), never a request thread; backends added later are probed from their addition, removed ones no more.
 */
public final class HealthChecker implements BackendPool.Listener {

    private static final Logger LOG = LoggerFactory.getLogger(HealthChecker.class);

    private final HealthCheck check;
    private final BackendPool pool;
    private final Scheduler scheduler;
    private final HttpClient http;
    private final Map<String, Probe> probes = new ConcurrentHashMap<>();
    private volatile boolean running;

    /**
     * @param tls the TLS context toward {@code wss://}/{@code https://} backends (the data path's), or null for the
     *     JDK's default; the JDK client verifies host names and sends SNI
     */
    public HealthChecker(HealthCheck check, BackendPool pool, Scheduler scheduler, Executor executor, @Nullable SSLContext tls) {
        this.check = check;
        this.pool = pool;
        this.scheduler = scheduler;
        HttpClient.Builder builder = HttpClient.newBuilder()
            .executor(executor)
            .connectTimeout(check.timeout())
            .followRedirects(HttpClient.Redirect.NEVER);
        if (tls != null) {
            builder.sslContext(tls);
        }
        this.http = builder.build();
    }

    public void start() {
        running = true;
        pool.addListener(this);
        for (LiveBackend backend : pool.backends()) {
            startProbing(backend);
        }
    }

    public void stop() {
        running = false;
        pool.removeListener(this);
        probes.values().forEach(Probe::cancel);
        probes.clear();
    }

    @Override
    public void onAdded(LiveBackend backend) {
        startProbing(backend);
    }

    @Override
    public void onRemoved(LiveBackend backend) {
        Probe probe = probes.remove(backend.id());
        if (probe != null) {
            probe.cancel();
        }
    }

    private void startProbing(LiveBackend backend) {
        if (!running) {
            return;
        }
        Probe probe = new Probe(backend.id());
        if (probes.putIfAbsent(backend.id(), probe) == null) {
            // The first probe at a random point of the first interval, so that backends are not probed in step.
            probe.schedule(ThreadLocalRandom.current().nextLong(check.interval().toNanos()));
        }
    }

    /** The probing of one backend: its timer and its run of successes or failures. */
    private final class Probe {
        private final String id;
        private volatile boolean cancelled;
        private volatile Scheduler.@Nullable Task task;
        /** Guarded by this. */
        private int successes;
        private int failures;
        private boolean down;

        Probe(String id) {
            this.id = id;
        }

        void schedule(long delayNanos) {
            if (!cancelled && running) {
                task = scheduler.schedule(this::run, delayNanos, TimeUnit.NANOSECONDS);
            }
        }

        void cancel() {
            cancelled = true;
            Scheduler.Task t = task;
            if (t != null) {
                t.cancel();
            }
        }

        private void run() {
            LiveBackend backend = pool.get(id);
            if (cancelled || backend == null) {
                return;
            }
            CompletableFuture<Void> attempt;
            try {
                attempt = probe(backend.backend()).toCompletableFuture();
            } catch (RuntimeException e) {
                attempt = CompletableFuture.failedFuture(e);
            }
            attempt.orTimeout(check.timeout().toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((ok, failure) -> {
                    result(failure);
                    long interval = check.interval().toNanos();
                    long shift = (long) (interval * check.jitter() * (2 * ThreadLocalRandom.current().nextDouble() - 1));
                    schedule(interval + shift);
                });
        }

        private void result(@Nullable Throwable failure) {
            boolean markDown = false;
            boolean markUp = false;
            synchronized (this) {
                if (failure == null) {
                    failures = 0;
                    successes++;
                    if (down && successes >= check.rise()) {
                        down = false;
                        markUp = true;
                    }
                } else {
                    successes = 0;
                    failures++;
                    if (!down && failures >= check.fall()) {
                        down = true;
                        markDown = true;
                    }
                }
            }
            if (cancelled) {
                return;
            }
            if (markDown) {
                LOG.warn("backend {} failed its health check {} times in a row ({}): unhealthy", id, check.fall(),
                    failure == null ? "" : failure.toString());
                pool.markUnhealthy(id);
            } else if (markUp) {
                LOG.info("backend {} passed its health check {} times in a row: healthy", id, check.rise());
                pool.markHealthy(id);
            }
        }
    }

    /** One probe of a backend; completes normally on success. */
    private CompletionStage<Void> probe(Backend backend) {
        URI target = target(backend, check);
        if (check.kind() == HealthCheck.Kind.HTTP) {
            HttpRequest request = HttpRequest.newBuilder(target).timeout(check.timeout()).GET()
                .header("User-Agent", "wslb-health-check").build();
            return http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).thenAccept(response -> {
                if (response.statusCode() / 100 != 2) {
                    throw new IllegalStateException("GET " + check.path() + " answered " + response.statusCode());
                }
            });
        }
        CompletableFuture<Void> pong = new CompletableFuture<>();
        return http.newWebSocketBuilder().connectTimeout(check.timeout()).header("User-Agent", "wslb-health-check")
            .buildAsync(target, new WebSocket.Listener() {
                @Override
                public @Nullable CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
                    pong.complete(null);
                    return null;
                }

                @Override
                public @Nullable CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
                    pong.completeExceptionally(new IllegalStateException("closed " + statusCode + " before the pong"));
                    return null;
                }

                @Override
                public void onError(WebSocket webSocket, Throwable error) {
                    pong.completeExceptionally(error);
                }
            })
            .thenCompose(socket -> {
                if (!check.ping()) {
                    return closeQuietly(socket);
                }
                socket.sendPing(ByteBuffer.wrap(new byte[] {'w', 's', 'l', 'b'}));
                return pong.orTimeout(check.timeout().toMillis(), TimeUnit.MILLISECONDS)
                    .whenComplete((ok, failure) -> closeQuietly(socket));
            });
    }

    private static CompletableFuture<Void> closeQuietly(WebSocket socket) {
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "health check").whenComplete((s, e) -> socket.abort());
        return CompletableFuture.completedFuture(null);
    }

    /** The probe's URI: the backend's scheme (http(s) for an HTTP check), host and port, and the check's path. */
    static URI target(Backend backend, HealthCheck check) {
        String scheme = check.kind() == HealthCheck.Kind.HTTP ? (backend.secure() ? "https" : "http")
            : (backend.secure() ? "wss" : "ws");
        String host = backend.host().contains(":") ? "[" + backend.host() + "]" : backend.host();
        return URI.create(scheme + "://" + host + ":" + backend.port() + check.path());
    }

    @Override
    public String toString() {
        return "HealthChecker{" + check + ", " + probes.size() + " backends}";
    }

}
