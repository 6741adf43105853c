package io.wslb.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Figures about a process read from {@code /proc} and from {@code jcmd}. Linux only. */
final class ProcStats {
    private static final Pattern USED = Pattern.compile("used (\\d+)K");
    private static volatile long clkTck;

    private ProcStats() {
    }

    /** Clock ticks per second of {@code utime}/{@code stime} ({@code getconf CLK_TCK}, 100 if that fails). */
    static long clockTicksPerSecond() {
        long t = clkTck;
        if (t == 0) {
            t = 100;
            try {
                String out = run(List.of("getconf", "CLK_TCK"), 10).trim();
                t = Long.parseLong(out);
            } catch (RuntimeException | IOException x) {
                // keep the Linux default
            }
            clkTck = t;
        }
        return t;
    }

    /** utime + stime of a process, in clock ticks (all threads, including GC and JIT). */
    static long cpuTicks(long pid) {
        String stat = read(Path.of("/proc", pid < 0 ? "self" : Long.toString(pid), "stat"));
        // the command name (field 2) may contain spaces; fields after it start after the last ')'
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15 of proc(5)
    }

    /** {@link #cpuTicks} or 0 if the process has gone away. */
    static long cpuTicksOrZero(long pid) {
        try {
            return cpuTicks(pid);
        } catch (RuntimeException x) {
            return 0;
        }
    }

    /** A numeric field of {@code /proc/PID/status} (e.g. {@code VmRSS:} in KiB), or 0 if the process has gone away. */
    static long statusFieldOrZero(long pid, String name) {
        try {
            return statusField(pid, name);
        } catch (RuntimeException x) {
            return 0;
        }
    }

    static long selfCpuTicks() {
        return cpuTicks(-1);
    }

    static long rssKb(long pid) {
        return statusField(pid, "VmRSS:");
    }

    static long threads(long pid) {
        return statusField(pid, "Threads:");
    }

    private static long statusField(long pid, String name) {
        for (String line : read(Path.of("/proc", Long.toString(pid), "status")).split("\n")) {
            if (line.startsWith(name)) {
                return Long.parseLong(line.substring(name.length()).trim().split("\\s+")[0]);
            }
        }
        throw new IllegalStateException(name + " not found for pid " + pid);
    }

    static long openFiles(long pid) {
        String[] fds = Path.of("/proc", Long.toString(pid), "fd").toFile().list();
        return fds == null ? -1 : fds.length;
    }

    /**
     * Java heap in use right after a full GC: {@code jcmd PID GC.run} (a System.gc(), a full collection with
     * Parallel or G1 unless the target runs with -XX:+ExplicitGCInvokesConcurrent or -XX:+DisableExplicitGC), then
     * the sum of the {@code used} figures of the heap spaces in {@code jcmd PID GC.heap_info} (Metaspace and class
     * space excluded).
     */
    static long heapUsedAfterFullGcKb(long pid) throws IOException {
        return heapUsedKb(pid, true);
    }

    /** Java heap in use ({@code jcmd PID GC.heap_info}), optionally right after a full GC ({@code GC.run}). */
    static long heapUsedKb(long pid, boolean fullGcFirst) throws IOException {
        if (fullGcFirst) {
            jcmd(pid, "GC.run");
        }
        String info = jcmd(pid, "GC.heap_info");
        long total = 0;
        boolean any = false;
        for (String line : info.split("\n")) {
            String l = line.trim();
            if (l.startsWith("Metaspace") || l.startsWith("class space") || l.startsWith("eden space")
                || l.startsWith("from space") || l.startsWith("to space") || l.startsWith("object space")
                || l.startsWith("region size")) {
                continue; // sub-spaces are already counted in their generation's line
            }
            Matcher m = USED.matcher(l);
            if (m.find()) {
                total += Long.parseLong(m.group(1));
                any = true;
            }
        }
        if (!any) {
            throw new IOException("cannot parse GC.heap_info of " + pid + ":\n" + info);
        }
        return total;
    }

    static String jcmd(long pid, String command) throws IOException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        String exe = Files.isExecutable(jcmd) ? jcmd.toString() : "jcmd";
        return run(List.of(exe, Long.toString(pid), command), 60);
    }

    static String run(List<String> command, int timeoutSeconds) throws IOException {
        Process p = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
        try {
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("timed out: " + command);
            }
            String s = new String(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IOException(command + " exited with " + p.exitValue() + ": " + s);
            }
            return s;
        } catch (InterruptedException x) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + command, x);
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.US_ASCII);
        } catch (IOException x) {
            throw new IllegalStateException("cannot read " + p + ": " + x, x);
        }
    }
}
