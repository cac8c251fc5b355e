package dev.fencelock.verify;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Appends {@link Event}s of one process to its history file, one line each, flushed at once: a
 * client may be frozen or killed at any moment, and what it saw before must be on disk.
 * Thread-safe: the lost signal is recorded on a Fencelock callback thread.
 */
final class HistoryWriter implements AutoCloseable {
    private final String process;
    private final Writer out;

    HistoryWriter(Path file, String process) {
        this.process = process;
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the history " + file, e);
        }
    }

    /** Records an event now; returns it. */
    synchronized Event record(long lease, Event.Type type, Event.Op op, long token, long value, String detail) {
        Event event = new Event(System.nanoTime(), System.currentTimeMillis(), process, lease, type, op, token, value, detail);
        try {
            out.write(event.format());
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to the history of " + process, e);
        }
        return event;
    }

    @Override
    public synchronized void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
