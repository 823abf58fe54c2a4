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
        boolean linux = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux");
        if (linux && blank(System.getenv("DISPLAY")) && blank(System.getenv("WAYLAND_DISPLAY"))) {
            throw new IllegalStateException("the desktop needs a display, and neither DISPLAY nor WAYLAND_DISPLAY is "
                    + "set (over SSH use ssh -X; headless, every job also runs as a command: ./lwm --help)");
        }
        DesktopApp.launch(data);
        return 0;
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
