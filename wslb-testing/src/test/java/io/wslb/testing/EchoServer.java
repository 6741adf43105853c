package io.wslb.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** A TCP echo server on 127.0.0.1, one thread per connection, that counts what it sees. Closes on end of stream. */
final class EchoServer implements AutoCloseable {

    final AtomicInteger accepted = new AtomicInteger();
    final AtomicLong received = new AtomicLong();
    /** Connections that ended with an end of stream (a FIN). */
    final AtomicInteger endsOfStream = new AtomicInteger();
    /** Connections that ended with an error, such as a reset. */
    final AtomicInteger errors = new AtomicInteger();

    private final ServerSocket server;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();

    EchoServer() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        start("echo-accept", this::acceptLoop);
    }

    InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
    }

    private void acceptLoop() {
        try {
            while (true) {
                Socket socket = server.accept();
                accepted.incrementAndGet();
                sockets.add(socket);
                start("echo-" + socket.getPort(), () -> echo(socket));
            }
        } catch (IOException closed) {
            // close() was called
        }
    }

    private void echo(Socket socket) {
        try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
            byte[] buffer = new byte[16 * 1024];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                received.addAndGet(n);
                out.write(buffer, 0, n);
            }
            endsOfStream.incrementAndGet();
        } catch (IOException e) {
            errors.incrementAndGet();
        } finally {
            sockets.remove(socket);
        }
    }

    private void start(String name, Runnable body) {
        Thread thread = new Thread(() -> {
            try {
                body.run();
            } finally {
                threads.remove(Thread.currentThread());
            }
        }, name);
        thread.setDaemon(true);
        threads.add(thread);
        thread.start();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket socket : sockets) {
            socket.close();
        }
        try {
            for (Thread thread : threads) {
                thread.join(5_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
