package dev.fencelock.cli;

/** The exit codes of {@code fencelock}, from sysexits(3), so that scripts can tell outcomes apart. */
final class ExitCodes {
    /** Bad arguments: a usage line is printed. */
    static final int USAGE = 64;
    /** The store (Redis, ZooKeeper) could not be reached, or refused what was asked: the message says which. */
    static final int UNAVAILABLE = 69;
    /** The lock stayed held by someone else for the whole {@code --wait}. */
    static final int NOT_ACQUIRED = 73;
    /** The lease was lost while the command ran: the command was stopped, or had exited when the release found the loss. */
    static final int LEASE_LOST = 75;
    /** A bug in fencelock: the stack trace is printed. */
    static final int SOFTWARE = 70;
    /** The command could not be started (as a shell reports a command not found). */
    static final int COMMAND_NOT_STARTED = 127;

    private ExitCodes() {}
}
