package dev.fencelock.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code fencelock} command: distributed locks on Redis from the shell. */
@Command(name = "fencelock",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Distributed locks on Redis, with leases, lost-lease signals and fencing tokens.",
        subcommands = {DemoCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The parsed command tree, testable without running anything. */
    static CommandLine commandLine() {
        return new CommandLine(new Main());
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getPackage().getImplementationVersion();
            return new String[] {"fencelock " + (version == null ? "(development build)" : version)};
        }
    }
}
