package lwm.ui;

import java.io.PrintWriter;
import lwm.app.cli.LwmCommand;

/**
 * The jar's entry point: every {@code lwm} command plus {@code desktop}. Not an {@code Application} itself, so
 * JavaFX starts from the plain class path (stack.md §2.2).
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(LwmCommand.run(args, System.in, new PrintWriter(System.out, true), new PrintWriter(System.err, true),
                new DesktopCommand()));
    }
}
