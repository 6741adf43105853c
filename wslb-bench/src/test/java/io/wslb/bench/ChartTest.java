package io.wslb.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChartTest {
    @Test
    void rendersAPngWithABarInEachTargetsColour(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("c.png");
        Chart.write(ResultsTest.sample(), png);
        BufferedImage img = ImageIO.read(png.toFile());
        assertThat(img.getWidth()).isEqualTo(Chart.WIDTH);
        assertThat(img.getHeight()).isEqualTo(Chart.HEIGHT);
        List<String> targets = List.of("direct", "wslb", "nginx", "haproxy");
        for (String t : targets) {
            int rgb = Chart.colorOf(t, targets).getRGB();
            int count = 0;
            for (int y = 0; y < img.getHeight(); y += 2) {
                for (int x = 0; x < img.getWidth(); x += 2) {
                    if (img.getRGB(x, y) == rgb) {
                        count++;
                    }
                }
            }
            assertThat(count).as("pixels of " + t).isGreaterThan(200);
        }
    }

    @Test
    void panelsPickTheRightFigures() {
        Results r = ResultsTest.sample();
        List<String> proxies = List.of("wslb", "nginx", "haproxy");
        Chart.Panel p = Chart.throughputPanel(r, proxies);
        assertThat(p.groups()).hasSize(3); // echo-64, echo-64k, connect
        assertThat(p.groups().get(0)).startsWith("echo 64 B\n100 connections x 4");
        assertThat(p.values()[0]).containsExactly(0.8, 0.8, 0.8);
        assertThat(p.values()[1]).containsExactly(0.5, 0.5, 0.5);
        assertThat(p.budgets()).containsExactly(Chart.BUDGET_ECHO_64, Chart.BUDGET_ECHO_64K, Chart.BUDGET_CONNECT);
        Chart.Panel l = Chart.latencyPanel(r, proxies);
        assertThat(l.values()[1]).containsExactly(-0.02, -0.02, -0.02);
        Chart.Panel c = Chart.cpuPanel(r, proxies);
        assertThat(c.ownScales()).isTrue();
        assertThat(c.groups()).containsExactly("per round trip\necho 64 B", "per round trip\necho 64 KiB",
            "per new connection\nupgrade + echo + close");
        assertThat(c.values()[0]).containsExactly(8.5, 8.5, 8.5);
        assertThat(c.values()[2][0]).isNaN(); // no proxy_us_per_conn in the sample
        assertThat(c.group(0).budgets()).containsExactly(Chart.BUDGET_CPU_US);
        Chart.Panel m = Chart.memoryPanel(r, List.of("direct", "wslb", "nginx", "haproxy"));
        assertThat(m.values()[0]).containsExactly(2500, 4700, 4700, 4700);
    }

    @Test
    void rendersEvenWithoutFigures() {
        BufferedImage img = Chart.render(new Results());
        assertThat(img.getWidth()).isEqualTo(Chart.WIDTH);
    }

    @Test
    void axisSteps() {
        assertThat(Chart.niceStep(0.17)).isEqualTo(0.2);
        assertThat(Chart.niceStep(2.2)).isEqualTo(2.5);
        assertThat(Chart.niceStep(3.1)).isEqualTo(5);
        assertThat(Chart.niceStep(800)).isEqualTo(1000);
        assertThat(Chart.niceStep(0)).isEqualTo(1);
        assertThat(Chart.decimalsFor(0.25)).isEqualTo(2);
        assertThat(Chart.decimalsFor(0.2)).isEqualTo(1);
        assertThat(Chart.decimalsFor(5)).isZero();
        assertThat(Chart.decimalsFor(2.5)).isEqualTo(1);
    }

    @Test
    void echoLabels() {
        assertThat(Chart.echoLabel("echo-64k", null)).isEqualTo("echo 64 KiB");
        assertThat(Chart.echoLabel("echo-64", "10 connections x 2 in flight x 64 KiB binary"))
            .isEqualTo("echo 64 KiB\n10 connections x 2 in flight");
    }

    @Test
    void chartCommandRedrawsFromSummary(@TempDir Path dir) throws Exception {
        ResultsTest.sample().write(dir);
        assertThat(Chart.run(new String[] {"--results", dir.toString()})).isZero();
        assertThat(Files.size(dir.resolve("chart.png"))).isPositive();
    }
}
