/**
 * A ShedLock lock provider on Fencelock: {@code dev.fencelock.shedlock.FencelockLockProvider} takes
 * any {@code LockClient}; everything else is package-private.
 */
module dev.fencelock.shedlock {
    requires transitive dev.fencelock.core;
    requires transitive net.javacrumbs.shedlock.core;
    requires org.slf4j;

    exports dev.fencelock.shedlock;
}
