package io.wslb.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TableTest {
    @Test
    void alignsColumns() {
        Table t = new Table("target", "rt/s", "vs direct").row("direct", "100000", "1.00").row("wslb", "85000", "0.85");
        assertThat(t.render()).isEqualTo(
            "target    rt/s  vs direct\n"
                + "direct  100000       1.00\n"
                + "wslb     85000       0.85\n");
        assertThat(t.markdown()).isEqualTo(
            "| target | rt/s | vs direct |\n|---|---:|---:|\n| direct | 100000 | 1.00 |\n| wslb | 85000 | 0.85 |\n");
    }

    @Test
    void numbers() {
        assertThat(Table.num(1.23456, 2)).isEqualTo("1.23");
        assertThat(Table.num(Double.NaN, 2)).isEqualTo("-");
        assertThat(Table.signed(0.1234, 3)).isEqualTo("+0.123");
        assertThat(Table.signed(-0.02, 3)).isEqualTo("-0.020");
    }

    @Test
    void rejectsWrongCellCount() {
        assertThatThrownBy(() -> new Table("a", "b").row("x")).isInstanceOf(IllegalArgumentException.class);
    }
}
