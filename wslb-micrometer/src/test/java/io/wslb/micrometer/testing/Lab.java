package io.wslb.micrometer.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.wslb.WebSocketLoadBalancer;
import io.wslb.WebSocketLoadBalancerBuilder;
import io.wslb.jetty.testing.Closer;
import io.wslb.micrometer.WslbMetrics;
import io.wslb.strategies.BalancingStrategies;
import io.wslb.testing.RawHttpResponse;
import io.wslb.testing.RawWebSocketConnection;
import java.io.IOException;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A balancer with {@link WslbMetrics} on a real Jetty server, its meters bound to a {@link SimpleMeterRegistry}, and
 * what a test reads of them. The balancer balances round robin unless the test's setup says otherwise.
 */
@SuppressWarnings("try") // close() may throw InterruptedException, as Jetty's stop() does
public final class Lab implements AutoCloseable {

    private final Closer closer = new Closer();
    private final WslbMetrics metrics;
    private final WebSocketLoadBalancer balancer;
    private final MeterRegistry registry;
    private final Proxy proxy;

    private Lab(WslbMetrics metrics, WebSocketLoadBalancer balancer, MeterRegistry registry, Proxy proxy) {
        this.metrics = metrics;
        this.balancer = balancer;
        this.registry = registry;
        this.proxy = closer.add(proxy);
    }

    /**
     * @param setup the backends and settings of the balancer
     * @return a started lab with {@link WslbMetrics#create()} bound to a simple registry
     */
    public static Lab start(UnaryOperator<WebSocketLoadBalancerBuilder> setup) throws Exception {
        return start(WslbMetrics.create(), new SimpleMeterRegistry(), setup);
    }

    /**
     * @param metrics the meters to add to the balancer
     * @param registry the registry to bind them to
     * @param setup the backends and settings of the balancer
     * @return a started lab
     */
    public static Lab start(WslbMetrics metrics, MeterRegistry registry, UnaryOperator<WebSocketLoadBalancerBuilder> setup)
        throws Exception {
        WebSocketLoadBalancer balancer = setup.apply(WebSocketLoadBalancer.builder()
            .strategy(BalancingStrategies.roundRobin())
            .listener(metrics.listener())).build();
        metrics.binder(balancer).bindTo(registry);
        return new Lab(metrics, balancer, registry, Proxy.start(balancer));
    }

    /** @return the meters under test */
    public WslbMetrics metrics() {
        return metrics;
    }

    /** @return the balancer */
    public WebSocketLoadBalancer balancer() {
        return balancer;
    }

    /** @return the registry the meters are bound to */
    public MeterRegistry registry() {
        return registry;
    }

    /** @return the port of the balancer */
    public int port() {
        return proxy.port();
    }

    /**
     * @param path the request target
     * @return a client whose handshake the balancer answered 101
     */
    public RawWebSocketConnection connect(String path) throws IOException {
        RawWebSocketConnection client = closer.add(RawWebSocketConnection.open(port()));
        RawHttpResponse answer = client.upgrade(path);
        assertThat(answer.status()).as("the balancer's answer to the handshake of %s", path).isEqualTo(101);
        return client;
    }

    /**
     * @param path the request target
     * @return the balancer's answer to a handshake for it, whatever it is
     */
    public RawHttpResponse handshake(String path) throws IOException {
        return closer.add(RawWebSocketConnection.open(port())).upgrade(path);
    }

    /**
     * @param resource something to close with the lab
     * @return the same resource
     */
    public <T extends AutoCloseable> T add(T resource) {
        return closer.add(resource);
    }

    /**
     * @param name a gauge's name
     * @param tags its tags, as key and value pairs
     * @return its value now
     */
    public double gauge(String name, String... tags) {
        Gauge gauge = registry.find(name).tags(tags).gauge();
        assertThat(gauge).as("gauge %s%s", name, List.of(tags)).isNotNull();
        return gauge.value();
    }

    /**
     * @param name a counter's (or function counter's) name
     * @param tags some of its tags, as key and value pairs
     * @return the sum of the counts of the counters that match; 0 when none was registered yet
     */
    public double count(String name, String... tags) {
        return registry.find(name).tags(tags).counters().stream().mapToDouble(Counter::count).sum()
            + registry.find(name).tags(tags).functionCounters().stream().mapToDouble(FunctionCounter::count).sum();
    }

    /**
     * @param name a timer's name
     * @param tags some of its tags, as key and value pairs
     * @return the sum of the counts of the timers that match; 0 when none was registered yet
     */
    public long timed(String name, String... tags) {
        return registry.find(name).tags(tags).timers().stream().mapToLong(Timer::count).sum();
    }

    /**
     * @param name a timer's name
     * @param tags its tags, as key and value pairs
     * @return the timer
     */
    public Timer timer(String name, String... tags) {
        Timer timer = registry.find(name).tags(tags).timer();
        assertThat(timer).as("timer %s%s", name, List.of(tags)).isNotNull();
        return timer;
    }

    /**
     * @param backend a backend id
     * @return the meters tagged with it
     */
    public List<Meter> metersOf(String backend) {
        return registry.getMeters().stream().filter(m -> backend.equals(m.getId().getTag("backend"))).toList();
    }

    @Override
    public void close() throws Exception {
        closer.close();
    }
}
