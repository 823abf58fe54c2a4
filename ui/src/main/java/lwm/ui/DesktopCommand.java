package lwm.ui;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import lwm.app.workspace.Workspace;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lwm desktop}: the desktop application. */
@Command(name = "desktop", mixinStandardHelpOptions = true, description = "Open LWM Desktop.")
public final class DesktopCommand implements Callable<Integer> {
    @Option(names = "--data", paramLabel = "DIR",
            description = "Where conversations and settings live (default: ~/.local/share/lwm-desktop).")
    Path data = Workspace.defaultDataDir();

    @Override
    public Integer call() {
        DesktopApp.launch(data);
        return 0;
    }
}
