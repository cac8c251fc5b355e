package dev.fencelock.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The processes of one run: the command, what it started that is still its descendant, and what
 * left its tree (a subshell's background job, a double fork, {@code setsid}, a daemon) but carries
 * the run's {@code FENCELOCK_NAME} and {@code FENCELOCK_TOKEN} in its environment (read from
 * {@code /proc} on Linux; the token is the run's own). A process that left the tree and cleared its
 * environment is not found. Every process found once is kept, so that what it starts is found
 * after it has gone too.
 */
final class RunProcesses {
    private final ProcessHandle command;
    private final String nameEntry;
    private final String tokenEntry;
    private final Set<ProcessHandle> found = ConcurrentHashMap.newKeySet();

    RunProcesses(Process command, String name, long token) {
        this.command = command.toHandle();
        this.nameEntry = environmentEntry("FENCELOCK_NAME", name);
        this.tokenEntry = environmentEntry("FENCELOCK_TOKEN", Long.toString(token));
        found.add(this.command);
    }

    /** The processes of the run alive now, the command first if it is. */
    List<ProcessHandle> alive() {
        Stream<ProcessHandle> tree = Stream.concat(Stream.of(command), found.stream())
                .flatMap(process -> Stream.concat(Stream.of(process), process.descendants()));
        long self = ProcessHandle.current().pid();
        Stream<ProcessHandle> marked = ProcessHandle.allProcesses()
                .filter(process -> process.pid() != self && carriesTheRunsEnvironment(process.pid()));
        List<ProcessHandle> alive = Stream.concat(tree, marked).filter(RunProcesses::isRunning).distinct().toList();
        found.addAll(alive);
        return alive;
    }

    /** The processes of the run other than the command alive now: after it exited, what it left running. */
    List<ProcessHandle> leftBehind() {
        return alive().stream().filter(process -> !process.equals(command)).toList();
    }

    private boolean carriesTheRunsEnvironment(long pid) {
        try {
            // Latin-1: byte for byte, as the entries are compared.
            String environment = "\0" + new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ")),
                    StandardCharsets.ISO_8859_1);
            return environment.contains(nameEntry) && environment.contains(tokenEntry);
        } catch (IOException | RuntimeException e) {
            // Gone meanwhile, another user's, or no /proc: not found.
            return false;
        }
    }

    /**
     * Alive and not a zombie: an orphan's zombie stays until its new parent reaps it, which some
     * containers' first process never does, and is no process to stop or warn of.
     */
    private static boolean isRunning(ProcessHandle process) {
        if (!process.isAlive()) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException | RuntimeException e) {
            // No /proc: alive, as Java sees it.
            return process.isAlive();
        }
    }

    /** {@code \0KEY=value\0} in /proc's encoding of an environment: the platform's bytes, read as Latin-1. */
    private static String environmentEntry(String key, String value) {
        return new String(("\0" + key + "=" + value + "\0").getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    }
}
