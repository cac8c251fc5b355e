package dev.fencelock.cli;

import dev.fencelock.LockException;
import dev.fencelock.LockUnavailableException;
import java.util.regex.Pattern;
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
    private static final Pattern PASSWORD_IN_URI = Pattern.compile("(//[^\\s/@:]*):\\S*@");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command tree with Fencelock's exit codes, testable without running anything. */
    static CommandLine commandLine() {
        CommandLine main = new CommandLine(new Main())
                .setParameterExceptionHandler(Main::usageError)
                .setExecutionExceptionHandler(Main::failure);
        // As with flock(1), run's options end at the command's first word: the command's own -h or
        // --wait must reach it, not show run's help (exit 0, nothing run) or change fencelock's wait.
        main.getSubcommands().get("run").setStopAtPositional(true);
        // picocli would replace an argument naming a file, '@path', by the file's words, the
        // command's own too: curl's '-d @body.json' would run with the body's words.
        main.setExpandAtFiles(false);
        return main;
    }

    private static int usageError(CommandLine.ParameterException e, String[] args) {
        return usageError(e.getCommandLine(), e.getMessage());
    }

    static int failure(Exception e, CommandLine command, CommandLine.ParseResult parsed) {
        if (e instanceof LockUnavailableException || e.getClass() == LockException.class) {
            // Unreachable, or refused (a Redis older than 5.0, a ZooKeeper ACL): the operator's to
            // fix from the message, not a bug to report with a stack trace. Its subtypes (a wait
            // that timed out, a lost lease, a stale token) have their own codes where they can occur.
            command.getErr().println("fencelock: " + redactPasswords(e.getMessage()));
            return ExitCodes.UNAVAILABLE;
        }
        if (e instanceof IllegalArgumentException) {
            return usageError(command, e.getMessage());
        }
        command.getErr().println("fencelock: unexpected failure, please report it:");
        e.printStackTrace(command.getErr());
        return ExitCodes.SOFTWARE;
    }

    /**
     * Prints the problem and the usage line. The problem may quote an argument, such as an unknown
     * option's whole value: the password of a URI in it is replaced, since stderr ends up in logs.
     */
    private static int usageError(CommandLine command, String problem) {
        command.getErr().println("fencelock: " + redactPasswords(problem));
        command.getErr().println("Usage: " + command.getHelp().synopsis(0).trim());
        return ExitCodes.USAGE;
    }

    /** {@code //user:password@} and {@code //:password@} become {@code //user:***@} and {@code //:***@}. */
    static String redactPasswords(String text) {
        return PASSWORD_IN_URI.matcher(text).replaceAll("$1:***@");
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
