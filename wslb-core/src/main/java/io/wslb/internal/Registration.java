package io.wslb.internal;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/**
 * One implementation registered once, by the static initializer of the class that owns it, and read by a class of
 * another package: how two packages of this module reach each other's non-public parts, as the JDK's
 * {@code SharedSecrets} do, since Java has no access between packages short of public.
 *
 * @param <T> what is registered
 */
final class Registration<T> {

    private final String what;
    private final Class<?> owner;
    private volatile @Nullable T registered;

    /**
     * @param what what is registered, for the messages
     * @param owner the class whose static initializer registers it
     */
    Registration(String what, Class<?> owner) {
        this.what = what;
        this.owner = owner;
    }

    /** @param implementation the one implementation; a second registration throws */
    synchronized void register(T implementation) {
        requireNonNull(implementation, "implementation");
        if (registered != null) {
            throw new IllegalStateException("the " + what + " is registered already");
        }
        registered = implementation;
    }

    /** @return the implementation, initialising its owner first if nothing has yet */
    T get() {
        T current = registered;
        if (current == null) {
            try {
                Class.forName(owner.getName(), true, owner.getClassLoader());
            } catch (ClassNotFoundException impossible) {
                throw new IllegalStateException(impossible);
            }
            current = registered;
            if (current == null) {
                throw new IllegalStateException(owner.getSimpleName() + " did not register the " + what);
            }
        }
        return current;
    }
}
