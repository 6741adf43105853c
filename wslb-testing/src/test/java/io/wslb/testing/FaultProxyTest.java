package io.wslb.testing;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class FaultProxyTest {

    private static final Duration SILENCE = Duration.ofMillis(300);

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final ExecutorService writers = Executors.newCachedThreadPool();
    private EchoServer echo;
    private FaultProxy proxy;

    @BeforeEach
    void start() throws IOException {
        echo = new EchoServer();
        proxy = FaultProxy.to(echo.address());
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        proxy.close();
        echo.close();
        assertThat(Thread.getAllStackTraces().keySet()).as("proxy threads left behind")
                .noneMatch(t -> t.getName().startsWith(FaultProxy.THREAD_NAME_PREFIX));
        writers.shutdownNow();
        assertThat(writers.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void pass_forwardsBytesBothWaysUnchanged() throws Exception {
        byte[] payload = new byte[1024 * 1024 + 17]; // well above the proxy's per-direction queue
        new Random(42).nextBytes(payload);
        Socket socket = connect(proxy.port());

        Future<?> writer = writers.submit(() -> {
            socket.getOutputStream().write(payload);
            return null;
        });
        byte[] echoed = readExactly(socket.getInputStream(), payload.length);

        writer.get(10, TimeUnit.SECONDS);
        assertThat(Arrays.mismatch(echoed, payload)).as("first differing byte").isEqualTo(-1);
        assertThat(proxy.bytesToTarget()).isEqualTo(payload.length);
        assertThat(proxy.bytesFromTarget()).isEqualTo(payload.length);
        assertThat(proxy.acceptedConnections()).isEqualTo(1);
        assertThat(proxy.openConnections()).isEqualTo(1);
        assertThat(proxy.bytesSwallowed()).isZero();
    }

    @Test
    void pass_passesEndOfStreamOn_andThenReleasesTheConnection() throws Exception {
        Socket socket = connect(proxy.port());
        assertThat(roundTrip(socket, "bye")).isEqualTo("bye");

        socket.shutdownOutput();

        assertThat(socket.getInputStream().read()).as("end of stream from the echo server").isEqualTo(-1);
        await().untilAsserted(() -> assertThat(proxy.openConnections()).isZero());
        assertThat(echo.endsOfStream.get()).isEqualTo(1);
        assertThat(echo.errors.get()).isZero();
    }

    @Test
    void pass_resetsTheClientWhenTheTargetRefuses() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        try (FaultProxy toNowhere = FaultProxy.to(new InetSocketAddress(InetAddress.getLoopbackAddress(), closedPort))) {
            Socket socket = connect(toNowhere.port());

            assertThatThrownBy(() -> socket.getInputStream().read())
                    .isInstanceOf(SocketException.class).hasMessageContaining("reset");
            await().untilAsserted(() -> assertThat(toNowhere.openConnections()).isZero());
            assertThat(toNowhere.acceptedConnections()).isEqualTo(1);
        }
    }

    @Test
    void blackhole_acceptsButNeverAnswers() throws Exception {
        try (FaultProxy hole = FaultProxy.builder(echo.address()).fault(Fault.BLACKHOLE).start()) {
            Socket socket = connect(hole.port());
            socket.getOutputStream().write("hello?".getBytes(US_ASCII));

            await().untilAsserted(() -> assertThat(hole.bytesSwallowed()).isEqualTo(6));
            assertSilent(socket);
            assertThat(hole.bytesToTarget()).isZero();
            assertThat(echo.received.get()).isZero();
            assertThat(hole.openConnections()).as("never closed").isEqualTo(1);
            assertThat(hole.fault()).isEqualTo(Fault.BLACKHOLE);
        }
    }

    @Test
    void blackhole_silencesOpenConnections_andPassResumesThemWithoutWhatWasSwallowed() throws Exception {
        Socket socket = connect(proxy.port());
        assertThat(roundTrip(socket, "before")).isEqualTo("before");

        proxy.set(Fault.BLACKHOLE);
        socket.getOutputStream().write("lost".getBytes(US_ASCII));
        await().untilAsserted(() -> assertThat(proxy.bytesSwallowed()).isEqualTo(4));
        assertSilent(socket);
        assertThat(echo.received.get()).isEqualTo(6);

        proxy.set(Fault.PASS);
        assertThat(roundTrip(socket, "after")).isEqualTo("after");
        assertThat(echo.received.get()).isEqualTo(11);
    }

    @Test
    void reset_givesOpenConnectionsAConnectionReset() throws Exception {
        Socket socket = connect(proxy.port());
        assertThat(roundTrip(socket, "ping")).isEqualTo("ping");

        proxy.set(Fault.RESET);

        assertThatThrownBy(() -> socket.getInputStream().read())
                .isInstanceOf(SocketException.class).hasMessageContaining("reset");
        await().untilAsserted(() -> assertThat(echo.errors.get()).as("the target is reset too").isEqualTo(1));
        assertThat(proxy.openConnections()).isZero();
    }

    @Test
    void reset_resetsNewConnectionsRightAfterAccept() throws Exception {
        proxy.set(Fault.RESET);

        Socket socket = connect(proxy.port());

        assertThatThrownBy(() -> socket.getInputStream().read())
                .isInstanceOf(SocketException.class).hasMessageContaining("reset");
        assertThat(proxy.acceptedConnections()).isEqualTo(1);
        assertThat(proxy.openConnections()).isZero();
        assertThat(echo.accepted.get()).as("never connected to the target").isZero();
    }

    @Test
    void refuse_refusesConnectsOnTheSamePortUntilRestored() throws Exception {
        int port = proxy.port();
        Socket open = connect(port);
        assertThat(roundTrip(open, "one")).isEqualTo("one");

        proxy.set(Fault.REFUSE);

        assertThatThrownBy(() -> connect(port)).isInstanceOf(ConnectException.class);
        assertThat(roundTrip(open, "still")).as("open connections keep forwarding").isEqualTo("still");

        proxy.set(Fault.PASS);

        assertThat(proxy.port()).isEqualTo(port);
        assertThat(roundTrip(connect(port), "two")).isEqualTo("two");
        assertThat(proxy.acceptedConnections()).isEqualTo(2);
    }

    @Test
    void refuse_fromTheStart_stillReservesThePortForLater() throws Exception {
        try (FaultProxy down = FaultProxy.builder(echo.address()).fault(Fault.REFUSE).start()) {
            assertThat(down.port()).isPositive();
            assertThatThrownBy(() -> connect(down.port())).isInstanceOf(ConnectException.class);

            down.set(Fault.PASS);

            assertThat(roundTrip(connect(down.port()), "up")).isEqualTo("up");
        }
    }

    @Test
    void delay_addsAtLeastTheDelay_andKeepsOrder() throws Exception {
        Duration delay = Duration.ofMillis(200);
        proxy.set(Fault.delay(delay));
        Socket socket = connect(proxy.port());
        StringBuilder sent = new StringBuilder();

        long start = System.nanoTime();
        for (int i = 0; i < 20; i++) {
            String message = String.format("msg-%02d;", i);
            socket.getOutputStream().write(message.getBytes(US_ASCII));
            socket.getOutputStream().flush();
            sent.append(message);
        }
        InputStream in = socket.getInputStream();
        int first = in.read();
        long firstByteNanos = System.nanoTime() - start;
        String received = (char) first + new String(readExactly(in, sent.length() - 1), US_ASCII);

        assertThat(Duration.ofNanos(firstByteNanos)).as("one delay each way").isGreaterThanOrEqualTo(delay.multipliedBy(2));
        assertThat(received).isEqualTo(sent.toString());
    }

    @Test
    void delay_liftedWhileBytesAreInFlight_neverLetsLaterBytesOvertake() throws Exception {
        proxy.set(Fault.delay(Duration.ofMillis(300)));
        Socket socket = connect(proxy.port());

        socket.getOutputStream().write("first,".getBytes(US_ASCII));
        proxy.set(Fault.PASS);
        socket.getOutputStream().write("second".getBytes(US_ASCII));

        assertThat(new String(readExactly(socket.getInputStream(), 12), US_ASCII)).isEqualTo("first,second");
    }

    @Test
    void halfOpen_keepsTheSocketOpenButSilent() throws Exception {
        Socket socket = connect(proxy.port());
        assertThat(roundTrip(socket, "hello")).isEqualTo("hello");

        proxy.set(Fault.HALF_OPEN);
        socket.getOutputStream().write("anyone?".getBytes(US_ASCII));

        assertSilent(socket);
        assertThat(echo.received.get()).isEqualTo(5);
        assertThat(proxy.openConnections()).isEqualTo(1);
        assertThat(proxy.bytesSwallowed()).as("not read at all").isZero();
    }

    @Test
    void halfOpen_stopsReadingSoWritesStall_andPassDeliversEveryByteAfterwards() throws Exception {
        SocketChannel channel = SocketChannel.open(proxy.address());
        toClose.add(channel);
        assertThat(roundTrip(channel.socket(), "x")).isEqualTo("x");
        proxy.set(Fault.HALF_OPEN);
        channel.configureBlocking(false);
        Pattern pattern = new Pattern(channel);

        while (pattern.writeMore() > 0) {
            assertThat(pattern.written).as("writes should stall, nobody reads").isLessThan(64L * 1024 * 1024);
        }
        await().during(SILENCE).atMost(Duration.ofSeconds(5)).until(() -> pattern.writeMore() == 0);
        long stalledAt = pattern.written;
        assertThat(echo.received.get()).isEqualTo(1);

        proxy.set(Fault.PASS);
        channel.configureBlocking(true);
        byte[] echoed = readExactly(channel.socket().getInputStream(), Math.toIntExact(stalledAt));

        for (int i = 0; i < echoed.length; i++) {
            if (echoed[i] != Pattern.byteAt(i)) {
                throw new AssertionError("byte " + i + " of " + stalledAt + " differs");
            }
        }
        assertThat(proxy.bytesSwallowed()).isZero();
    }

    @Test
    void closeAll_sendsAFinToBothSides_andKeepsAccepting() throws Exception {
        Socket a = connect(proxy.port());
        Socket b = connect(proxy.port());
        assertThat(roundTrip(a, "a")).isEqualTo("a");
        assertThat(roundTrip(b, "b")).isEqualTo("b");

        proxy.closeAll();

        assertThat(a.getInputStream().read()).isEqualTo(-1);
        assertThat(b.getInputStream().read()).isEqualTo(-1);
        await().untilAsserted(() -> assertThat(echo.endsOfStream.get()).isEqualTo(2));
        assertThat(echo.errors.get()).isZero();
        assertThat(proxy.openConnections()).isZero();
        assertThat(roundTrip(connect(proxy.port()), "c")).isEqualTo("c");
    }

    @Test
    void resetAll_resetsBothSidesOfEveryConnection_andKeepsAccepting() throws Exception {
        Socket socket = connect(proxy.port());
        assertThat(roundTrip(socket, "a")).isEqualTo("a");

        proxy.resetAll();

        assertThatThrownBy(() -> socket.getInputStream().read())
                .isInstanceOf(SocketException.class).hasMessageContaining("reset");
        await().untilAsserted(() -> assertThat(echo.errors.get()).isEqualTo(1));
        assertThat(proxy.openConnections()).isZero();
        assertThat(proxy.fault()).isEqualTo(Fault.PASS);
        assertThat(roundTrip(connect(proxy.port()), "b")).isEqualTo("b");
    }

    @Test
    void close_releasesEveryThreadAndSocket() throws Exception {
        FaultProxy closing = FaultProxy.builder(echo.address()).name("close-test").start();
        String threadName = FaultProxy.THREAD_NAME_PREFIX + "close-test";
        int port = closing.port();
        Socket idle = connect(port);
        Socket busy = connect(port);
        assertThat(roundTrip(idle, "idle")).isEqualTo("idle");
        closing.set(Fault.delay(Duration.ofSeconds(5)));
        busy.getOutputStream().write("in flight".getBytes(US_ASCII));
        assertThat(threadsNamed(threadName)).isEqualTo(1);

        closing.close();

        assertThat(threadsNamed(threadName)).isZero();
        assertThat(idle.getInputStream().read()).isEqualTo(-1);
        assertThat(busy.getInputStream().read()).isEqualTo(-1);
        assertThatThrownBy(() -> connect(port)).isInstanceOf(ConnectException.class);
        await().untilAsserted(() -> assertThat(echo.endsOfStream.get()).isEqualTo(2));
        assertThat(closing.openConnections()).isZero();
        assertThatThrownBy(() -> closing.set(Fault.PASS)).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(closing::closeAll).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(closing::resetAll).isInstanceOf(IllegalStateException.class);
        assertThatCode(closing::close).doesNotThrowAnyException();
    }

    @Test
    void invalidInput_isRejectedWithAClearMessage() {
        assertThatThrownBy(() -> FaultProxy.to(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("target");
        assertThatThrownBy(() -> FaultProxy.to(InetSocketAddress.createUnresolved("localhost", 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("resolved");
        assertThatThrownBy(() -> Fault.delay(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("delay");
        assertThatThrownBy(() -> Fault.delay(Duration.ofDays(2))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Fault(Fault.Kind.PASS, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("only DELAY");
        assertThatThrownBy(() -> FaultProxy.builder(echo.address()).name("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> proxy.set(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("fault");
    }

    @Test
    void fault_isAnImmutableValue() {
        assertThat(Fault.delay(Duration.ofMillis(200))).isEqualTo(Fault.delay(Duration.ofMillis(200)))
                .hasToString("DELAY(PT0.2S)");
        assertThat(Fault.BLACKHOLE).hasToString("BLACKHOLE").isNotEqualTo(Fault.HALF_OPEN);
        assertThat(Fault.PASS.delay()).isZero();
        assertThat(Fault.PASS.forwards()).isTrue();
        assertThat(Fault.HALF_OPEN.forwards()).isFalse();
        assertThat(proxy.fault()).isEqualTo(Fault.PASS);
        assertThat(proxy.target()).isEqualTo(echo.address());
        assertThat(proxy.address().getAddress().isLoopbackAddress()).isTrue();
    }

    // --- helpers ---

    private Socket connect(int port) throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
        toClose.add(socket);
        socket.setSoTimeout(10_000);
        return socket;
    }

    private static String roundTrip(Socket socket, String message) throws IOException {
        byte[] bytes = message.getBytes(US_ASCII);
        socket.getOutputStream().write(bytes);
        return new String(readExactly(socket.getInputStream(), bytes.length), US_ASCII);
    }

    private static byte[] readExactly(InputStream in, int length) throws IOException {
        byte[] bytes = in.readNBytes(length);
        assertThat(bytes).as("end of stream after %d of %d bytes", bytes.length, length).hasSize(length);
        return bytes;
    }

    /** Proves that nothing arrives, neither bytes nor an end of stream nor a reset, for a while. */
    private static void assertSilent(Socket socket) throws IOException {
        int timeout = socket.getSoTimeout();
        socket.setSoTimeout(Math.toIntExact(SILENCE.toMillis()));
        try {
            assertThatThrownBy(() -> socket.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
        } finally {
            socket.setSoTimeout(timeout);
        }
    }

    private static long threadsNamed(String name) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name)).count();
    }

    /** Writes a recognisable byte pattern to a non-blocking channel. */
    private static final class Pattern {
        private final SocketChannel channel;
        private final ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
        long written;

        Pattern(SocketChannel channel) {
            this.channel = channel;
        }

        static byte byteAt(long i) {
            return (byte) (i % 251);
        }

        int writeMore() throws IOException {
            chunk.clear();
            for (int i = 0; i < chunk.capacity(); i++) {
                chunk.put(byteAt(written + i));
            }
            int n = channel.write(chunk.flip());
            written += n;
            return n;
        }
    }
}
