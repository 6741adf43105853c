package io.wslb.jetty.internal.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.Closeable;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SelectorChoresTest {

    interface Chore extends Runnable, Closeable {}

    @Test
    void aCloseableChore_runsOnTheCallingThread_andIsNotDispatched() {
        List<Runnable> dispatched = new ArrayList<>();
        List<Thread> ranOn = new ArrayList<>();
        Chore chore = new Chore() {
            @Override
            public void run() {
                ranOn.add(Thread.currentThread());
            }

            @Override
            public void close() {
            }
        };

        SelectorChores.execute(chore, dispatched::add);

        assertThat(ranOn).containsExactly(Thread.currentThread());
        assertThat(dispatched).isEmpty();
    }

    @Test
    void anyOtherTask_isDispatched_notRun() {
        List<Runnable> dispatched = new ArrayList<>();
        List<Thread> ranOn = new ArrayList<>();
        Runnable selectorLoop = () -> ranOn.add(Thread.currentThread());

        SelectorChores.execute(selectorLoop, dispatched::add);

        assertThat(dispatched).containsExactly(selectorLoop);
        assertThat(ranOn).isEmpty();
    }
}
