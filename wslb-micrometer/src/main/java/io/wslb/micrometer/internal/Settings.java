package io.wslb.micrometer.internal;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/** What every meter of one {@link BalancerMeters} shares: the extra tags, and how timers publish their distribution. */
final class Settings {

    private final Tags tags;
    private final double[] percentiles;
    private final boolean histograms;

    Settings(Tags tags, double[] percentiles, boolean histograms) {
        this.tags = tags;
        this.percentiles = percentiles.clone();
        this.histograms = histograms;
    }

    /** @return the tags every meter carries */
    Tags tags() {
        return tags;
    }

    /**
     * @param name the timer's name
     * @param description what it measures
     * @param min the shortest time worth a histogram bucket
     * @param max the longest time worth a histogram bucket
     * @return a timer builder with the shared tags, percentiles and histogram setting
     */
    Timer.Builder timer(String name, String description, Duration min, Duration max) {
        Timer.Builder builder = Timer.builder(name).description(description).tags(tags);
        if (percentiles.length > 0) {
            builder.publishPercentiles(percentiles);
        }
        if (histograms) {
            builder.publishPercentileHistogram().minimumExpectedValue(min).maximumExpectedValue(max);
        }
        return builder;
    }
}
