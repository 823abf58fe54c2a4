package lwm.app.cli;

import java.io.PrintWriter;
import lwm.engine.generate.GenerationEvent;
import lwm.engine.generate.GenerationListener;

/** How generations show in a terminal: tokens streamed to stdout, notices (the route, re-attaching) to stderr. */
final class Terminal {
    private Terminal() {}

    static GenerationListener streamTo(PrintWriter out) {
        return event -> {
            if (event instanceof GenerationEvent.TokenGenerated token) {
                out.print(token.textDelta());
                out.flush();
            }
        };
    }

    /** Prints notices as they happen, then passes every event on. */
    static GenerationListener notices(PrintWriter err, GenerationListener next) {
        return event -> {
            if (event instanceof GenerationEvent.Notice notice) {
                err.println(notice.message());
                err.flush();
            }
            next.onEvent(event);
        };
    }
}
