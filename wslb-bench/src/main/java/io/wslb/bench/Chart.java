package io.wslb.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Stroke;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.jspecify.annotations.Nullable;

/**
 * Draws the summary of a comparison as one PNG with Java2D (headless): four panels of grouped bars, one colour per
 * target, each bar labelled with its value, and the wslb budgets of docs/benchmarks.md ("The budget") as dashed lines.
 * <ol>
 * <li>throughput as a ratio to direct: each echo scenario, and new connections per second;</li>
 * <li>latency added over direct at the open-loop rate, p50 and p99;</li>
 * <li>proxy CPU per 64 B round trip;</li>
 * <li>memory per idle connection.</li>
 * </ol>
 */
final class Chart {
    static final int WIDTH = 1600;
    static final int HEIGHT = 1160;
    private static final Color BUDGET = new Color(200, 30, 30);
    private static final Color GRID = new Color(225, 225, 225);
    private static final Color TEXT = new Color(30, 30, 30);
    private static final Color MUTED = new Color(110, 110, 110);
    private static final Pattern ECHO_FACT = Pattern.compile("(\\d+) connections x (\\d+) in flight x (.+) binary");

    /** The wslb budgets of docs/benchmarks.md ("The budget"), drawn as dashed lines. */
    static final double BUDGET_ECHO_64 = 0.80;
    static final double BUDGET_ECHO_64K = 0.55;
    static final double BUDGET_CONNECT = 0.90;
    static final double BUDGET_ADDED_P50_MS = 0.15;
    static final double BUDGET_CPU_US = 9;
    static final double BUDGET_IDLE_BYTES = 4000;

    private Chart() {
    }

    /** One panel of grouped bars: values[group][series], NaN where there is no figure. */
    record Panel(String title, List<String> groups, List<String> series, double[][] values, double[] budgets,
                 String budgetLabel, int decimals, double reference, @Nullable String referenceLabel, boolean ownScales) {
        /** The panel with only group {@code i}. */
        Panel group(int i) {
            return new Panel(title, List.of(groups.get(i)), series, new double[][] {values[i]},
                i < budgets.length ? new double[] {budgets[i]} : new double[0], budgetLabel, decimals, reference,
                referenceLabel, false);
        }
    }

    static void write(Results r, Path png) throws IOException {
        System.setProperty("java.awt.headless", "true");
        if (png.getParent() != null) {
            Files.createDirectories(png.getParent());
        }
        ImageIO.write(render(r), "png", png.toFile());
    }

    static BufferedImage render(Results r) {
        BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            List<String> targets = r.targets();
            List<String> proxies = targets.stream().filter(t -> !t.equals("direct")).toList();

            g.setColor(TEXT);
            g.setFont(font(Font.BOLD, 24));
            g.drawString("wslb-bench: proxies side by side, each figure against direct (no proxy)", 30, 40);
            g.setFont(font(Font.PLAIN, 15));
            g.setColor(MUTED);
            String date = r.facts.get("date");
            if (date != null && date.length() > 16 && date.charAt(10) == 'T') {
                date = date.substring(0, 10) + " " + date.substring(11, 16);
            }
            String sub = String.join("  |  ", nonNull(date, "wslb jar: " + shortJar(r.facts.get("wslb_jar")),
                r.facts.get("machine")));
            g.drawString(ellipsize(g, sub, WIDTH - 60), 30, 66);
            drawLegend(g, targets, 30, 96);

            int top = 120;
            int pw = (WIDTH - 90) / 2;
            int ph = (HEIGHT - top - 40) / 2;
            drawPanel(g, 30, top, pw, ph, throughputPanel(r, proxies), targets);
            drawPanel(g, 60 + pw, top, pw, ph, latencyPanel(r, proxies), targets);
            drawPanel(g, 30, top + ph + 20, pw, ph, cpuPanel(r, proxies), targets);
            drawPanel(g, 60 + pw, top + ph + 20, pw, ph, memoryPanel(r, targets), targets);
        } finally {
            g.dispose();
        }
        return img;
    }

    // ------------------------------------------------------------------ the four panels

    static Panel throughputPanel(Results r, List<String> proxies) {
        List<String> scenarios = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        List<Double> budgets = new ArrayList<>();
        for (String s : scenarioNames(r)) {
            if (s.startsWith("echo-")) {
                scenarios.add(s);
                labels.add(echoLabel(s, r.facts.get("scenario." + s)));
                budgets.add(s.equals("echo-64") ? BUDGET_ECHO_64 : s.equals("echo-64k") ? BUDGET_ECHO_64K : Double.NaN);
            }
        }
        if (r.hasScenario("connect")) {
            scenarios.add("connect");
            labels.add("new connections/s\nupgrade + echo + close");
            budgets.add(BUDGET_CONNECT);
        }
        double[][] v = values(r, scenarios, proxies, "ratio");
        return new Panel("Throughput as a ratio of direct (higher is better)", labels, proxies, v, unbox(budgets),
            ">=", 2, 1.0, "direct = 1.0", false);
    }

    static Panel latencyPanel(Results r, List<String> proxies) {
        String rate = r.facts.getOrDefault("scenario.rate", "open loop");
        List<String> labels = List.of("p50", "p99");
        double[][] v = new double[2][proxies.size()];
        for (int i = 0; i < proxies.size(); i++) {
            v[0][i] = get(r, "rate", proxies.get(i), "added_p50_ms");
            v[1][i] = get(r, "rate", proxies.get(i), "added_p99_ms");
        }
        return new Panel("Latency added over direct at " + shortRate(rate) + ", ms (lower is better)", labels, proxies, v,
            new double[] {BUDGET_ADDED_P50_MS, Double.NaN}, "<=", 3, Double.NaN, null, true);
    }

    static Panel cpuPanel(Results r, List<String> proxies) {
        List<String> labels = new ArrayList<>();
        List<double[]> rows = new ArrayList<>();
        List<Double> budgets = new ArrayList<>();
        for (String s : scenarioNames(r)) {
            if (s.startsWith("echo-")) {
                labels.add("per round trip\n" + echoLabel(s, null));
                rows.add(values(r, List.of(s), proxies, "proxy_us_per_rt")[0]);
                budgets.add(s.equals("echo-64") ? BUDGET_CPU_US : Double.NaN);
            }
        }
        if (r.hasScenario("connect")) {
            labels.add("per new connection\nupgrade + echo + close");
            rows.add(values(r, List.of("connect"), proxies, "proxy_us_per_conn")[0]);
            budgets.add(Double.NaN);
        }
        return new Panel("Proxy CPU, \u00b5s (all its processes; lower is better)", labels, proxies,
            rows.toArray(new double[0][]), unbox(budgets), "<=", 1, Double.NaN, null, true);
    }

    static Panel memoryPanel(Results r, List<String> targets) {
        String idle = null;
        int most = -1;
        for (String s : scenarioNames(r)) {
            if (s.startsWith("idle-")) {
                int n = Integer.parseInt(s.substring(5));
                if (n > most) {
                    most = n;
                    idle = s;
                }
            }
        }
        List<String> scenarios = idle == null ? List.of() : List.of(idle);
        List<String> labels = idle == null ? List.of() : List.of(String.format(Locale.ROOT,
            "%,d connections held\n(direct: the backend's own cost)", most));
        double[][] v = values(r, scenarios, targets, "sum_b_per_conn");
        return new Panel("Memory per idle connection, bytes (RSS + heap delta; lower is better)", labels, targets, v,
            idle == null ? new double[0] : new double[] {BUDGET_IDLE_BYTES}, "<=", 0, Double.NaN, null, false);
    }

    // ------------------------------------------------------------------ drawing

    static void drawPanel(Graphics2D g, int x, int y, int w, int h, Panel p, List<String> allTargets) {
        g.setColor(new Color(250, 250, 250));
        g.fillRect(x, y, w, h);
        g.setColor(GRID);
        g.drawRect(x, y, w, h);
        g.setColor(TEXT);
        g.setFont(font(Font.BOLD, 17));
        g.drawString(ellipsize(g, p.title(), w - 20), x + 12, y + 26);
        int top = y + 52;
        int bottom = y + h - 62;
        if (p.groups().isEmpty() || p.series().isEmpty() || allNaN(p.values())) {
            g.setFont(font(Font.ITALIC, 16));
            g.setColor(MUTED);
            g.drawString("no figures (scenario not run, or no proxy target)", x + 90, (top + bottom) / 2);
            return;
        }
        if (p.ownScales() && p.groups().size() > 1) {
            int n = p.groups().size();
            double sw = (w - 10) / (double) n;
            for (int i = 0; i < n; i++) {
                int sx = (int) (x + 5 + i * sw);
                drawPlot(g, sx + 62, top, (int) (sx + sw - 12), bottom, p.group(i), allTargets);
            }
        } else {
            drawPlot(g, x + 70, top, x + w - 20, bottom, p, allTargets);
        }
    }

    /** Axis, grid, bars, budgets and group labels of a panel inside the plot area. */
    private static void drawPlot(Graphics2D g, int left, int top, int right, int bottom, Panel p,
                                 List<String> allTargets) {
        double lo = 0;
        double hi = 0;
        for (double[] row : p.values()) {
            for (double v : row) {
                if (!Double.isNaN(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        for (double b : p.budgets()) {
            if (!Double.isNaN(b)) {
                hi = Math.max(hi, b);
            }
        }
        if (!Double.isNaN(p.reference())) {
            hi = Math.max(hi, p.reference());
        }
        hi = hi <= lo ? lo + 1 : hi + (hi - lo) * 0.15;
        if (lo < 0) {
            lo = lo - (hi - lo) * 0.05;
        }
        double step = niceStep((hi - lo) / 5);
        double axisLo = Math.floor(lo / step) * step;
        double axisHi = Math.ceil(hi / step) * step;
        Scale sc = new Scale(axisLo, axisHi, top, bottom);

        // grid and axis labels
        g.setFont(font(Font.PLAIN, 13));
        FontMetrics fm = g.getFontMetrics();
        int tickDecimals = decimalsFor(step);
        for (double t = axisLo; t <= axisHi + step / 2; t += step) {
            int yy = sc.y(t);
            g.setColor(GRID);
            g.drawLine(left, yy, right, yy);
            g.setColor(MUTED);
            String label = Table.num(Math.abs(t) < step / 1e6 ? 0 : t, tickDecimals);
            g.drawString(label, left - 8 - fm.stringWidth(label), yy + 5);
        }
        g.setColor(MUTED);
        g.drawLine(left, sc.y(0), right, sc.y(0));
        if (!Double.isNaN(p.reference())) {
            int ry = sc.y(p.reference());
            Stroke old = g.getStroke();
            g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {3f, 3f}, 0f));
            g.setColor(TEXT);
            g.drawLine(left, ry, right, ry);
            g.setStroke(old);
            g.setFont(font(Font.PLAIN, 12));
            if (p.referenceLabel() != null) {
                g.drawString(p.referenceLabel(), left + 4, ry - 4);
            }
        }

        // bars
        int groups = p.groups().size();
        int series = p.series().size();
        double groupW = (right - left) / (double) groups;
        int barW = (int) Math.min(64, groupW * 0.66 / series);
        for (int gi = 0; gi < groups; gi++) {
            int gx = (int) (left + gi * groupW + (groupW - barW * series) / 2);
            for (int si = 0; si < series; si++) {
                double v = p.values()[gi][si];
                int bx = gx + si * barW;
                if (Double.isNaN(v)) {
                    g.setColor(MUTED);
                    g.setFont(font(Font.ITALIC, 12));
                    centered(g, "n/a", bx + barW / 2, sc.y(0) - 6);
                    continue;
                }
                int y0 = sc.y(0);
                int y1 = sc.y(v);
                g.setColor(colorOf(p.series().get(si), allTargets));
                g.fillRect(bx + 2, Math.min(y0, y1), barW - 4, Math.max(1, Math.abs(y1 - y0)));
                g.setColor(TEXT);
                g.setFont(font(Font.BOLD, barW < 44 ? 11 : 13));
                String label = Table.num(v, p.decimals());
                centered(g, label, bx + barW / 2, v >= 0 ? y1 - 5 : y1 + 15);
            }
            double b = gi < p.budgets().length ? p.budgets()[gi] : Double.NaN;
            if (!Double.isNaN(b)) {
                int by = sc.y(b);
                Stroke old = g.getStroke();
                g.setStroke(new BasicStroke(2.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {8f, 5f}, 0f));
                g.setColor(BUDGET);
                int x1 = gx + barW * series + 4;
                g.drawLine(gx - 4, by, x1, by);
                g.setStroke(old);
                g.setFont(font(Font.BOLD, 12));
                String label = p.budgetLabel() + " " + Table.num(b, p.decimals());
                FontMetrics bf = g.getFontMetrics();
                g.setColor(new Color(255, 255, 255, 210));
                g.fillRect(x1 + 1, by - bf.getAscent() + 3, bf.stringWidth(label) + 4, bf.getAscent() + 2);
                g.setColor(BUDGET);
                g.drawString(label, x1 + 3, by + 4);
            }
            // group label
            g.setColor(TEXT);
            String[] lines = p.groups().get(gi).split("\n");
            for (int li = 0; li < lines.length; li++) {
                g.setFont(font(li == 0 ? Font.BOLD : Font.PLAIN, li == 0 ? 14 : 12));
                centered(g, lines[li], (int) (left + gi * groupW + groupW / 2), bottom + 22 + li * 17);
            }
        }
    }

    private static void drawLegend(Graphics2D g, List<String> targets, int x, int y) {
        g.setFont(font(Font.PLAIN, 15));
        FontMetrics fm = g.getFontMetrics();
        int cx = x;
        for (String t : targets) {
            g.setColor(colorOf(t, targets));
            g.fillRect(cx, y - 13, 22, 15);
            g.setColor(TEXT);
            g.drawString(t, cx + 28, y);
            cx += 28 + fm.stringWidth(t) + 26;
        }
        Stroke old = g.getStroke();
        g.setStroke(new BasicStroke(2.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {8f, 5f}, 0f));
        g.setColor(BUDGET);
        g.drawLine(cx, y - 5, cx + 34, y - 5);
        g.setStroke(old);
        g.setColor(TEXT);
        g.drawString("wslb budget (docs/benchmarks.md)", cx + 42, y);
    }

    private record Scale(double lo, double hi, int top, int bottom) {
        int y(double v) {
            return (int) Math.round(bottom - (v - lo) / (hi - lo) * (bottom - top));
        }
    }

    static Color colorOf(String target, List<String> all) {
        switch (target) {
            case "direct" -> {
                return new Color(150, 150, 150);
            }
            case "wslb" -> {
                return new Color(31, 100, 200);
            }
            case "nginx" -> {
                return new Color(40, 160, 80);
            }
            case "haproxy" -> {
                return new Color(230, 130, 20);
            }
            case "frame-relay" -> {
                return new Color(140, 80, 190);
            }
            default -> {
                Color[] extra = {new Color(0, 170, 170), new Color(200, 60, 130), new Color(120, 120, 40),
                    new Color(90, 60, 30)};
                return extra[Math.floorMod(all.indexOf(target), extra.length)];
            }
        }
    }

    /** 1, 2, 2.5 or 5 times a power of ten, at least {@code raw}. */
    static double niceStep(double raw) {
        if (!(raw > 0)) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * p >= raw) {
                return m * p;
            }
        }
        return 10 * p;
    }

    /** Decimals needed to print multiples of {@code step} exactly (0.25 -> 2, 5 -> 0). */
    static int decimalsFor(double step) {
        for (int d = 0; d < 6; d++) {
            double scaled = step * Math.pow(10, d);
            if (Math.abs(scaled - Math.rint(scaled)) < 1e-6) {
                return d;
            }
        }
        return 6;
    }

    // ------------------------------------------------------------------ data helpers

    private static List<String> scenarioNames(Results r) {
        List<String> s = new ArrayList<>();
        for (Results.Row row : r.summary) {
            if (!s.contains(row.scenario())) {
                s.add(row.scenario());
            }
        }
        return s;
    }

    private static double[][] values(Results r, List<String> scenarios, List<String> series, String metric) {
        double[][] v = new double[scenarios.size()][series.size()];
        for (int gi = 0; gi < scenarios.size(); gi++) {
            for (int si = 0; si < series.size(); si++) {
                v[gi][si] = get(r, scenarios.get(gi), series.get(si), metric);
            }
        }
        return v;
    }

    private static double get(Results r, String scenario, String target, String metric) {
        OptionalDouble d = r.get(scenario, target, metric);
        return d.isPresent() ? d.getAsDouble() : Double.NaN;
    }

    static String echoLabel(String scenario, @Nullable String fact) {
        String size = scenario.substring("echo-".length());
        String first = "echo " + (size.endsWith("k") ? size.substring(0, size.length() - 1) + " KiB" : size + " B");
        if (fact != null) {
            Matcher m = ECHO_FACT.matcher(fact);
            if (m.find()) {
                return "echo " + m.group(3) + "\n" + m.group(1) + " connections x " + m.group(2) + " in flight";
            }
        }
        return first;
    }

    private static String shortRate(String fact) {
        int i = fact.indexOf(" msg/s");
        return i > 0 ? fact.substring(0, i + " msg/s".length()) : fact;
    }

    private static String shortJar(@Nullable String jar) {
        if (jar == null) {
            return "?";
        }
        int i = jar.indexOf("commit ");
        return i >= 0 ? "commit " + jar.substring(i + "commit ".length()) : jar;
    }

    private static boolean allNaN(double[][] v) {
        for (double[] row : v) {
            for (double d : row) {
                if (!Double.isNaN(d)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static double[] unbox(List<Double> l) {
        double[] d = new double[l.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = l.get(i);
        }
        return d;
    }

    private static List<String> nonNull(@Nullable String... s) {
        List<String> out = new ArrayList<>();
        for (String x : s) {
            if (x != null && !x.isBlank() && !Set.of("wslb jar: ?").contains(x)) {
                out.add(x);
            }
        }
        return out;
    }

    private static Font font(int style, int size) {
        return new Font(Font.SANS_SERIF, style, size);
    }

    private static void centered(Graphics2D g, String s, int cx, int baseline) {
        g.drawString(s, cx - g.getFontMetrics().stringWidth(s) / 2, baseline);
    }

    private static String ellipsize(Graphics2D g, String s, int width) {
        FontMetrics fm = g.getFontMetrics();
        if (fm.stringWidth(s) <= width) {
            return s;
        }
        String t = s;
        while (!t.isEmpty() && fm.stringWidth(t + "...") > width) {
            t = t.substring(0, t.length() - 1);
        }
        return t + "...";
    }

    /** {@code chart --results DIR [--out FILE]}: redraws a results directory's chart from its summary.csv. */
    static int run(String[] argv) throws Exception {
        Args a = Args.parse(argv, Set.of()).allow("results", "out");
        Path dir = Path.of(a.required("results"));
        Path out = a.path("out", dir.resolve("chart.png"));
        write(Results.readSummary(dir.resolve("summary.csv")), out);
        System.out.println("chart: " + out.toAbsolutePath());
        return 0;
    }
}
