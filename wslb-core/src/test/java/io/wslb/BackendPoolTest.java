package io.wslb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackendPoolTest {

    static Backend backend(String id) {
        return Backend.of(id, URI.create("ws://127.0.0.1:1/" + id));
    }

    @Test
    void addUpdateRemove_changeTheSnapshots_andNotifyListeners() {
        BackendPool pool = BackendPool.of(backend("a"), backend("b"));
        List<String> events = new ArrayList<>();
        pool.addListener(new BackendPool.Listener() {
            @Override
            public void onAdded(LiveBackend b) {
                events.add("added " + b.id());
            }

            @Override
            public void onUpdated(LiveBackend b) {
                events.add("updated " + b.id() + " weight " + b.weight());
            }

            @Override
            public void onRemoved(LiveBackend b) {
                events.add("removed " + b.id());
            }
        });
        pool.add(backend("c"));
        pool.update(backend("a").withWeight(5));
        assertThat(pool.remove("b")).isTrue();
        assertThat(pool.remove("b")).isFalse();

        assertThat(pool.backends()).extracting(LiveBackend::id).containsExactly("a", "c");
        assertThat(pool.get("a").weight()).isEqualTo(5);
        assertThat(pool.get("b")).isNull();
        assertThat(events).containsExactly("added c", "updated a weight 5", "removed b");
    }

    @Test
    void eligible_leavesOutWeightZero_andIsTheSameObjectUntilAChange() {
        BackendPool pool = BackendPool.of(backend("a"), backend("b").withWeight(0));
        List<LiveBackend> first = pool.eligible();
        assertThat(first).extracting(LiveBackend::id).containsExactly("a");
        assertThat(pool.eligible()).isSameAs(first);
        pool.update(backend("b").withWeight(1));
        assertThat(pool.eligible()).extracting(LiveBackend::id).containsExactly("a", "b");
    }

    @Test
    void removedBackend_isNoLongerInPool_butKeepsItsFigures() {
        BackendPool pool = BackendPool.of(backend("a"));
        LiveBackend a = pool.get("a");
        pool.remove("a");
        assertThat(a.inPool()).isFalse();
        assertThat(a.activeConnections()).isZero();
    }

    @Test
    void duplicateIdsAndUnknownUpdates_areRejected() {
        BackendPool pool = BackendPool.of(backend("a"));
        assertThatThrownBy(() -> pool.add(backend("a"))).hasMessageContaining("already in the pool");
        assertThatThrownBy(() -> pool.update(backend("z"))).hasMessageContaining("no backend with id 'z'");
    }

    @Test
    void failingListener_doesNotStopTheChange_orOtherListeners() {
        BackendPool pool = BackendPool.of();
        List<String> seen = new ArrayList<>();
        pool.addListener(new BackendPool.Listener() {
            @Override
            public void onAdded(LiveBackend b) {
                throw new IllegalStateException("boom");
            }
        });
        pool.addListener(new BackendPool.Listener() {
            @Override
            public void onAdded(LiveBackend b) {
                seen.add(b.id());
            }
        });
        pool.add(backend("a"));
        assertThat(pool.size()).isEqualTo(1);
        assertThat(seen).containsExactly("a");
    }
}
