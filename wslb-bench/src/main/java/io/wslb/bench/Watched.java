package io.wslb.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A group of processes whose CPU and memory the bench watches as one: a JVM (one process), or NGINX's master and its
 * workers. CPU, RSS, threads and open files are summed over the group. A process that has gone away counts as zero.
 *
 * @param label what it is ("wslb", "backends", "pid 1234")
 * @param pids the processes, the root first
 * @param jvmPid the JVM among them (for {@code jcmd}), or -1 if none
 */
record Watched(String label, List<Long> pids, long jvmPid) {
    Watched {
        pids = List.copyOf(pids);
    }

    /** {@code pid} and its descendants at this moment; a JVM if {@code pid}'s command is {@code java}. */
    static Watched of(String label, long pid) {
        List<Long> all = new ArrayList<>();
        all.add(pid);
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        h.ifPresent(p -> p.descendants().forEach(d -> all.add(d.pid())));
        boolean jvm = h.flatMap(p -> p.info().command()).map(c -> c.endsWith("/java") || c.equals("java")).orElse(false);
        return new Watched(label, all, jvm ? pid : -1);
    }

    boolean isJvm() {
        return jvmPid > 0;
    }

    long cpuTicks() {
        long sum = 0;
        for (long pid : pids) {
            sum += ProcStats.cpuTicksOrZero(pid);
        }
        return sum;
    }

    long rssKb() {
        long sum = 0;
        for (long pid : pids) {
            sum += ProcStats.statusFieldOrZero(pid, "VmRSS:");
        }
        return sum;
    }

    long threads() {
        long sum = 0;
        for (long pid : pids) {
            sum += ProcStats.statusFieldOrZero(pid, "Threads:");
        }
        return sum;
    }

    long openFiles() {
        long sum = 0;
        for (long pid : pids) {
            sum += Math.max(0, ProcStats.openFiles(pid));
        }
        return sum;
    }

    /** The most open files of any one process of the group (the open-files limit is per process). */
    long maxOpenFilesPerProcess() {
        long max = 0;
        for (long pid : pids) {
            max = Math.max(max, ProcStats.openFiles(pid));
        }
        return max;
    }

    boolean allAlive() {
        for (long pid : pids) {
            if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return label + " " + pids;
    }
}
