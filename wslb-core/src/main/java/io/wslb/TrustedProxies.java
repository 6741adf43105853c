package io.wslb;

import static java.util.Objects.requireNonNull;

import io.wslb.internal.HeaderValues;
import io.wslb.internal.IpLiterals;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The proxies in front of the balancer whose forwarding headers are believed. When a handshake comes from one of
 * them, the client's address is taken from {@code X-Forwarded-For} (or, without it, {@code Forwarded}): the
 * rightmost address that is not itself a trusted proxy. From anyone else those headers are ignored (for
 * affinity) and replaced (toward backends), since any client can write them.
 *
 * <pre>{@code
 * TrustedProxies proxies = TrustedProxies.of("10.0.0.0/8", "fd00::/8", "192.168.1.7");
 * WebSocketLoadBalancer lb = WebSocketLoadBalancer.builder()
 *     .backend(Backend.of("a", URI.create("ws://10.0.0.1:3000")))
 *     .strategy(BalancingStrategies.roundRobin())
 *     .trustedProxies(proxies)
 *     .build();
 * }</pre>
 */
public final class TrustedProxies {

    private static final TrustedProxies NONE = new TrustedProxies(List.of(), List.of());

    private final List<String> cidrs;
    private final List<byte[][]> ranges;

    private TrustedProxies(List<String> cidrs, List<byte[][]> ranges) {
        this.cidrs = cidrs;
        this.ranges = ranges;
    }

    /** @return no trusted proxy: forwarding headers are never believed (the default) */
    public static TrustedProxies none() {
        return NONE;
    }

    /**
     * @param cidrs addresses or CIDR blocks, IPv4 or IPv6 ({@code 10.0.0.0/8}, {@code ::1}, {@code fd00::/8})
     * @return those proxies
     * @throws IllegalArgumentException for anything that is not an IP literal with an optional prefix length
     */
    public static TrustedProxies of(String... cidrs) {
        return of(List.of(cidrs));
    }

    /**
     * @param cidrs addresses or CIDR blocks, IPv4 or IPv6
     * @return those proxies
     */
    public static TrustedProxies of(Collection<String> cidrs) {
        requireNonNull(cidrs, "cidrs");
        if (cidrs.isEmpty()) {
            return NONE;
        }
        List<byte[][]> ranges = new ArrayList<>();
        for (String cidr : cidrs) {
            ranges.add(parse(requireNonNull(cidr, "cidr")));
        }
        return new TrustedProxies(List.copyOf(cidrs), List.copyOf(ranges));
    }

    /** Parses a CIDR into {address bytes, mask bytes}. */
    private static byte[][] parse(String cidr) {
        String text = cidr.trim();
        int slash = text.indexOf('/');
        String ip = slash < 0 ? text : text.substring(0, slash);
        InetAddress address = IpLiterals.parse(ip);
        if (address == null) {
            throw new IllegalArgumentException("not an IP address or CIDR block: '" + cidr + "'");
        }
        byte[] bytes = address.getAddress();
        int bits = bytes.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(text.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad prefix length in '" + cidr + "'");
            }
            if (prefix < 0 || prefix > bits) {
                throw new IllegalArgumentException("prefix length of '" + cidr + "' must be 0.." + bits);
            }
        }
        byte[] mask = new byte[bytes.length];
        for (int i = 0; i < mask.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - i * 8));
            mask[i] = (byte) (0xFF << (8 - keep));
            bytes[i] &= mask[i];
        }
        return new byte[][] {bytes, mask};
    }

    /**
     * @param address an address
     * @return true if it lies in one of the trusted blocks
     */
    public boolean contains(@Nullable InetAddress address) {
        if (address == null || ranges.isEmpty()) {
            return false;
        }
        byte[] bytes = address.getAddress();
        for (byte[][] range : ranges) {
            byte[] base = range[0];
            byte[] mask = range[1];
            if (base.length != bytes.length) {
                continue;
            }
            boolean match = true;
            for (int i = 0; i < bytes.length && match; i++) {
                match = (bytes[i] & mask[i]) == base[i];
            }
            if (match) {
                return true;
            }
        }
        return false;
    }

    /** @return true if no proxy is trusted */
    public boolean isEmpty() {
        return ranges.isEmpty();
    }

    /**
     * The client behind a chain of proxies.
     *
     * @param peer the address that opened the TCP connection
     * @param xForwardedFor the values of every {@code X-Forwarded-For} header, in order
     * @param forwarded the values of every {@code Forwarded} header, in order (used without X-Forwarded-For)
     * @return {@code peer} when it is not trusted; otherwise the rightmost forwarded address that is not trusted,
     *     or the leftmost when all are; an unparsable entry ends the walk at the last good address
     */
    public InetAddress clientAddress(InetAddress peer, List<String> xForwardedFor, List<String> forwarded) {
        if (!contains(peer)) {
            return peer;
        }
        List<String> chain = xForwardedFor.isEmpty() ? IpLiterals.forwardedFor(forwarded) : HeaderValues.tokens(xForwardedFor);
        InetAddress client = peer;
        for (int i = chain.size() - 1; i >= 0; i--) {
            InetAddress hop = IpLiterals.parse(IpLiterals.stripPort(chain.get(i)));
            if (hop == null) {
                return client;
            }
            client = hop;
            if (!contains(hop)) {
                return hop;
            }
        }
        return client;
    }

    @Override
    public String toString() {
        return "TrustedProxies" + cidrs;
    }
}
