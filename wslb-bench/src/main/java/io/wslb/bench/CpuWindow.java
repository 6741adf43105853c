package io.wslb.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Samples CPU time of the watched process groups, of this JVM (the load client) and of the whole machine at the start
 * and at the end of a measured window ({@code utime + stime} from {@code /proc}, all threads incl. GC and JIT).
 */
final class CpuWindow implements LoadClient.WindowListener {
    private final List<Watched> watched;
    private final long[] start;
    private final long[] end;
    private long client0;
    private long client1;
    private long[] machine0 = {0, 0};
    private long[] machine1 = {0, 0};
    private long t0;
    private long t1;

    CpuWindow(List<Watched> watched) {
        this.watched = List.copyOf(watched);
        start = new long[watched.size()];
        end = new long[watched.size()];
    }

    @Override
    public void windowStart() {
        for (int i = 0; i < start.length; i++) {
            start[i] = watched.get(i).cpuTicks();
        }
        client0 = ProcStats.selfCpuTicks();
        machine0 = machineTicks();
        t0 = System.nanoTime();
    }

    @Override
    public void windowEnd() {
        t1 = System.nanoTime();
        for (int i = 0; i < end.length; i++) {
            end[i] = watched.get(i).cpuTicks();
        }
        client1 = ProcStats.selfCpuTicks();
        machine1 = machineTicks();
    }

    /** The figures of the window, once {@link #windowEnd()} has run. */
    Cpu result() {
        long[] ticks = new long[start.length];
        for (int i = 0; i < ticks.length; i++) {
            ticks[i] = end[i] - start[i];
        }
        double busy = 1.0 - (double) (machine1[1] - machine0[1]) / Math.max(1, machine1[0] - machine0[0]);
        return new Cpu(watched, Math.max(1, t1 - t0) / 1e9, ticks, client1 - client0, busy);
    }

    /**
     * CPU used during a window.
     *
     * @param ticks clock ticks of each watched group
     * @param clientTicks clock ticks of this JVM (the load client)
     * @param machineBusy busy share of all cores ({@code /proc/stat})
     */
    record Cpu(List<Watched> watched, double seconds, long[] ticks, long clientTicks, double machineBusy) {
        static Cpu none(List<Watched> watched) {
            return new Cpu(watched, 1, new long[watched.size()], 0, 0);
        }

        double cores(int i) {
            return coresOf(ticks[i]);
        }

        double coresOf(long t) {
            return t / (double) ProcStats.clockTicksPerSecond() / seconds;
        }

        double clientCores() {
            return coresOf(clientTicks);
        }

        /** CPU microseconds of the i-th group per operation. */
        double microsPer(int i, long operations) {
            return operations <= 0 ? Double.NaN : ticks[i] * 1e6 / ProcStats.clockTicksPerSecond() / operations;
        }

        double clientMicrosPer(long operations) {
            return operations <= 0 ? Double.NaN : clientTicks * 1e6 / ProcStats.clockTicksPerSecond() / operations;
        }

        /** Cores busy on the machine beyond the client and the watched groups (other work disturbing the run). */
        double otherCores() {
            double others = machineBusy * Runtime.getRuntime().availableProcessors() - clientCores();
            for (long t : ticks) {
                others -= coresOf(t);
            }
            return Math.max(0, others);
        }
    }

    /** {total, idle+iowait} jiffies of the whole machine from the first line of /proc/stat. */
    static long[] machineTicks() {
        try {
            String first = Files.readAllLines(Path.of("/proc/stat")).get(0);
            String[] f = first.trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < Math.min(f.length, 9); i++) { // user..steal; guest is already in user
                total += Long.parseLong(f[i]);
            }
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
            return new long[] {total, idle};
        } catch (IOException x) {
            return new long[] {1, 0};
        }
    }
}
