package lwm.app.cli;

import java.io.InputStream;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code lwm} command line: one subcommand per main job. */
@Command(name = "lwm", mixinStandardHelpOptions = true, version = "LWM Desktop 0.1",
        description = "Run the Large World Model locally, or on a remote backend for long contexts.",
        subcommands = {GenerateCommand.class, ChatCommand.class, AskCommand.class, FramesCommand.class,
            BackendCommand.class, ImagineCommand.class, NeedleCommand.class})
public final class LwmCommand {
    /** What interactive subcommands read. */
    final InputStream in;

    private LwmCommand(InputStream in) {
        this.in = in;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.in, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /**
     * Runs {@code args}; bad input ends as one line on {@code err} and a non-zero exit code, never a stack trace.
     *
     * @param more subcommands of modules above this one (the desktop), each a picocli {@code @Command} object
     */
    public static int run(String[] args, InputStream in, PrintWriter out, PrintWriter err, Object... more) {
        CommandLine cli = new CommandLine(new LwmCommand(in));
        for (Object command : more) {
            cli.addSubcommand(command);
        }
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("lwm: error: " + describe(e));
            return 1;
        });
        return cli.execute(args);
    }

    static String describe(Throwable e) {
        Throwable cause = e;
        while (cause.getMessage() == null && cause.getCause() != null) {
            cause = cause.getCause();
        }
        String message = cause.getMessage();
        return message == null ? cause.getClass().getSimpleName() : message.replace('\n', ' ');
    }
}
