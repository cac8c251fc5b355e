package dev.fencelock.cli;

import dev.fencelock.LockClient;
import dev.fencelock.LockInfo;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code fencelock release --force}: the operator's break-glass release. */
@Command(name = "release", mixinStandardHelpOptions = true,
        description = {"Deletes a lock whoever holds it: the operator's break glass.",
                "",
                "Its holder learns that it lost the lease at its next renewal. Refuses without --force. "
                        + "With --holder, deletes it only while the holder that status showed holds it."})
final class ReleaseCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    RedisOptions redis;

    @Option(names = "--name", required = true, description = "the lock's name")
    String name;

    @Option(names = "--force", description = "really delete it")
    boolean force;

    @Option(names = "--holder", paramLabel = "HOLDER",
            description = "only while this holder (as status shows it) holds the lock, never one that took it since")
    String holder;

    @Override
    public Integer call() {
        if (!force) {
            throw new ParameterException(spec.commandLine(), "refusing to release lock '" + name
                    + "' held by someone else without --force");
        }
        try (LockClient client = redis.connect()) {
            Optional<LockInfo> removed = holder == null ? client.admin().forceRelease(name) : client.admin().forceRelease(name, holder);
            System.out.println(removed.map(info -> "released " + StatusCommand.describe(info))
                    .orElse(name + (holder == null ? ": was free" : ": not held by " + holder) + ", nothing released"));
        }
        return 0;
    }
}
