package io.wslb.bench;

import java.util.Arrays;
import org.HdrHistogram.Histogram;

/** The arithmetic behind the tables: medians, ratios, percentiles in ms, added latency, first-vs-last-third trends. */
final class Stats {
    private Stats() {
    }

    static double median(double[] v) {
        double[] s = Arrays.stream(v).filter(d -> !Double.isNaN(d)).toArray();
        Arrays.sort(s);
        int n = s.length;
        return n == 0 ? Double.NaN : n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    static double mean(double[] v) {
        return Arrays.stream(v).filter(d -> !Double.isNaN(d)).average().orElse(Double.NaN);
    }

    /** {@code value / reference}, NaN if either is missing or the reference is not positive. */
    static double ratio(double value, double reference) {
        if (Double.isNaN(value) || Double.isNaN(reference) || reference <= 0) {
            return Double.NaN;
        }
        return value / reference;
    }

    /** A percentile of a histogram of nanoseconds, in milliseconds (NaN when empty). */
    static double ms(Histogram h, double percentile) {
        return h == null || h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1e6;
    }

    /** A percentile of a histogram of nanoseconds, in microseconds (NaN when empty). */
    static double us(Histogram h, double percentile) {
        return h == null || h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1e3;
    }

    /** Latency a target adds over direct at a percentile, in ms: {@code target(p) - direct(p)}. */
    static double addedMs(Histogram target, Histogram direct, double percentile) {
        return ms(target, percentile) - ms(direct, percentile);
    }

    /**
     * How a sampled figure moved during a soak: the mean of the first third of the samples against the mean of the
     * last third (the middle third is the buffer that lets warm-up effects settle without counting as a trend).
     */
    record Trend(double first, double last) {
        double growth() {
            return last - first;
        }

        double relativeGrowth() {
            return first == 0 ? (last == 0 ? 0 : Double.POSITIVE_INFINITY) : (last - first) / Math.abs(first);
        }

        /** Stable if it grew by at most {@code absolute}, or by at most {@code relative} (0.1 = 10 %) of the start. */
        boolean stable(double absolute, double relative) {
            return growth() <= Math.max(absolute, relative * Math.abs(first));
        }
    }

    /** Needs at least 3 samples (one per third); fewer give NaN. */
    static Trend trend(double[] samples) {
        int n = samples.length;
        if (n < 3) {
            return new Trend(Double.NaN, Double.NaN);
        }
        int third = n / 3;
        return new Trend(mean(Arrays.copyOfRange(samples, 0, third)), mean(Arrays.copyOfRange(samples, n - third, n)));
    }
}
