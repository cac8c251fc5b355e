package dev.fencelock.verify;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

/**
 * The verification harness's command line:
 *
 * <pre>
 * Verify [--short | --long] [--seed N] [--scenario ID[,ID…]] [--clients K] [--window DURATION] [--out DIR]
 * Verify --help
 * </pre>
 *
 * {@code --short} (the default) runs every scenario for 12 s of faults, about 4 minutes in all;
 * {@code --long} for 4 minutes each, about 45 minutes. {@code --window} sets the fault window per
 * scenario ({@code 90s}, {@code 5m}). The same {@code --seed} replays the same fault plans and hold
 * times (the processes' timing still varies). The report goes to {@code DIR/verify-report.json}
 * and {@code DIR/verify-report.txt} (default {@code target}), the histories under
 * {@code DIR/verify/}. {@code --help} prints the usage and the scenarios' names. Exits with 0 when
 * no scenario failed (a scenario none of whose faults this machine can produce is reported
 * SKIPPED, with the reasons), 1 when one failed, 64 on bad arguments.
 */
final class Verify {
    private Verify() {}

    public static void main(String[] args) throws InterruptedException {
        Settings settings = Settings.SHORT;
        long seed = ThreadLocalRandom.current().nextLong(1, 1_000_000_000L);
        List<Scenario> scenarios = List.of(Scenario.values());
        Path out = Path.of("target");
        Integer clients = null;
        Duration window = null;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--short" -> settings = Settings.SHORT;
                    case "--long" -> settings = Settings.LONG;
                    case "--seed" -> seed = Long.parseLong(value(args, ++i));
                    case "--scenario" -> scenarios = Arrays.stream(value(args, ++i).split(",")).map(Scenario::byId).toList();
                    case "--clients" -> clients = Integer.parseInt(value(args, ++i));
                    case "--window" -> window = Duration.parse("PT" + value(args, ++i).toUpperCase());
                    case "--out" -> out = Path.of(value(args, ++i));
                    case "--help", "-h" -> {
                        System.out.println(usage());
                        System.exit(0);
                    }
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
            if (clients != null) {
                settings = settings.withClients(clients);
            }
            if (window != null) {
                settings = settings.withWindow(window);
            }
        } catch (RuntimeException e) {
            System.err.println("verify: " + e.getMessage());
            System.err.println(usage());
            System.exit(64);
        }
        Verification.Outcome outcome = new Verification(settings, seed, scenarios, out).run();
        System.out.println();
        System.out.print(outcome.text());
        System.out.println("report: " + out.resolve("verify-report.json") + " and " + out.resolve("verify-report.txt"));
        System.exit(outcome.failed() ? 1 : 0);
    }

    private static String usage() {
        return "usage: Verify [--short | --long] [--seed N] [--scenario ID[,ID...]] [--clients K] [--window 90s] [--out DIR]\n"
                + "  one scenario, replayed: --scenario redlock-skew-restarts --seed 20261201\n"
                + "  scenarios: " + Arrays.stream(Scenario.values()).map(Scenario::id).collect(Collectors.joining(", "));
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            throw new IllegalArgumentException(args[i - 1] + " needs a value");
        }
        return args[i];
    }
}
