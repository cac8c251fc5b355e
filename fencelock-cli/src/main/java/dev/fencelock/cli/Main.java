package dev.fencelock.cli;

import dev.fencelock.LockUnavailableException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code fencelock} command: distributed locks on Redis from the shell. */
@Command(name = "fencelock",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Distributed locks on Redis, with leases, lost-lease signals and fencing tokens.",
        subcommands = {RunCommand.class, StatusCommand.class, ListCommand.class, ReleaseCommand.class,
                DemoCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command tree with Fencelock's exit codes, testable without running anything. */
    static CommandLine commandLine() {
        return new CommandLine(new Main())
                .setParameterExceptionHandler(Main::usageError)
                .setExecutionExceptionHandler(Main::failure);
    }

    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine command = e.getCommandLine();
        command.getErr().println("fencelock: " + e.getMessage());
        command.getErr().println("Usage: " + command.getHelp().synopsis(0).trim());
        return ExitCodes.USAGE;
    }

    private static int failure(Exception e, CommandLine command, CommandLine.ParseResult parsed) {
        if (e instanceof LockUnavailableException) {
            command.getErr().println("fencelock: " + e.getMessage());
            return ExitCodes.UNAVAILABLE;
        }
        if (e instanceof IllegalArgumentException) {
            command.getErr().println("fencelock: " + e.getMessage());
            command.getErr().println("Usage: " + command.getHelp().synopsis(0).trim());
            return ExitCodes.USAGE;
        }
        command.getErr().println("fencelock: unexpected failure, please report it:");
        e.printStackTrace(command.getErr());
        return ExitCodes.SOFTWARE;
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
