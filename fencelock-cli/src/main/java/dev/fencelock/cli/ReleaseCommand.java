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
                        + "With --holder (and --force), deletes it only while the holder that status showed holds it."})
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
            description = "only while this holder holds the lock: a Fencelock holder's 8 characters as status shows them"
                    + " (or more of its token), a foreign holder's whole value")
    String holder;

    @Override
    public Integer call() {
        if (!force) {
            throw new ParameterException(spec.commandLine(), "refusing to release lock '" + name
                    + "' without --force: release deletes it whoever holds it");
        }
        try (LockClient client = redis.connect()) {
            Optional<LockInfo> removed;
            String nothingHeld;
            if (holder == null) {
                removed = client.admin().forceRelease(name);
                nothingHeld = "was free";
            } else {
                removed = client.admin().forceRelease(name, holder);
                nothingHeld = "not held by " + holder;
            }
            System.out.println(removed.map(info -> "released " + StatusCommand.describe(info))
                    .orElse(name + ": " + nothingHeld + ", nothing released"));
        }
        return 0;
    }
}
