/** wslb's balancing algorithms, affinity resolvers and in-memory session store. */
module io.wslb.strategies {
    requires transitive io.wslb.core;
    requires com.github.benmanes.caffeine;

    exports io.wslb.strategies;
}
