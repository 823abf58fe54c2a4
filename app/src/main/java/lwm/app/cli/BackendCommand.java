package lwm.app.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import lwm.engine.remote.BackendConfig;
import lwm.engine.remote.BackendProbe;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code lwm backend probe URL}: what a remote backend serves and whether it works, checked by using it. */
@Command(name = "backend", mixinStandardHelpOptions = true, description = "Work with a remote backend.",
        subcommands = BackendCommand.Probe.class)
final class BackendCommand {

    @Command(name = "probe", mixinStandardHelpOptions = true,
            description = "Check a backend: health, model, context, devices, streaming, progress and modalities.")
    static final class Probe implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "URL", description = "The backend, e.g. http://127.0.0.1:8000.")
        String url;

        @Option(names = "--backend-token-file", paramLabel = "FILE",
                description = "File holding the backend's bearer token (default: $" + BackendOptions.TOKEN_ENV + ").")
        java.nio.file.Path tokenFile;

        @Override
        public Integer call() throws Exception {
            BackendOptions options = new BackendOptions();
            options.url = url;
            options.tokenFile = tokenFile;
            options.route = "auto";
            BackendConfig config = options.config();
            PrintWriter out = spec.commandLine().getOut();
            BackendProbe.Report report = BackendProbe.run(config);
            out.println("backend " + config.baseUrl());
            for (BackendProbe.Check check : report.checks()) {
                out.printf("  %-4s %-42s %s%n", check.ok() ? "ok" : "FAIL", check.name(), check.detail());
            }
            out.flush();
            return report.ok() ? 0 : 1;
        }
    }
}
