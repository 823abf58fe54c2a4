package lwm.engine.route;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import lwm.engine.model.ModelFootprint;
import lwm.engine.model.Precision;
import lwm.engine.remote.BackendInfo;
import lwm.engine.remote.RemoteEngine;
import lwm.engine.remote.RemoteException;

/**
 * Decides per request between the local engine and the remote backend: local when the weights, the KV cache for all
 * its tokens and one chunk's working memory fit the local budget (and the model's context); remote when a backend is
 * configured, healthy and holds the tokens; otherwise a {@link DoesNotFitException} that says what would make it fit.
 */
public final class EngineRouter {
    /** Where the user asked a request to run; AUTO lets the router choose. */
    public enum Mode {
        AUTO,
        LOCAL,
        REMOTE
    }

    private final ModelFootprint footprint;
    private final Precision precision;
    private final long localBudget;
    private final RemoteEngine remote;

    /** @param remote null when no backend is configured */
    public EngineRouter(ModelFootprint footprint, Precision precision, long localBudget, RemoteEngine remote) {
        this.footprint = footprint;
        this.precision = precision;
        this.localBudget = localBudget;
        this.remote = remote;
    }

    /** Most of physical memory, leaving room for the OS, the desktop and the JVM heap. */
    public static long defaultBudget(long physicalMemory) {
        return physicalMemory / 4 * 3;
    }

    public RoutingDecision decide(long promptTokens, long maxNewTokens, Mode mode) {
        long tokens = promptTokens + Math.max(1, maxNewTokens);
        long bytes = footprint.bytesFor(tokens, precision);
        String localProblem = localProblem(tokens, bytes);
        if (mode != Mode.REMOTE && localProblem == null) {
            return new RoutingDecision(Route.LOCAL, "local: " + tokens + " tokens need " + gib(bytes) + " of the "
                    + gib(localBudget) + " local budget", tokens, bytes, localBudget);
        }
        String remoteProblem = mode == Mode.LOCAL ? "--route local was given" : remoteProblem(tokens);
        if (remoteProblem == null) {
            BackendInfo info = infoOrNull();
            String why = localProblem == null ? "--route remote was given" : localProblem;
            return new RoutingDecision(Route.REMOTE, "remote " + remote.config().baseUrl() + " (" + info.devices()
                    + " devices, up to " + info.maxContext() + " tokens): " + why, tokens, bytes, localBudget);
        }
        throw new DoesNotFitException(explain(tokens, localProblem, remoteProblem, mode), maxLocalTokens());
    }

    /** Null when the request fits locally, else why not. */
    private String localProblem(long tokens, long bytes) {
        if (tokens > footprint.maxSequenceLength()) {
            return tokens + " tokens exceed the model's max_sequence_length of " + footprint.maxSequenceLength();
        }
        if (bytes > localBudget) {
            return tokens + " tokens need " + gib(bytes) + " locally (" + gib(footprint.parameters()
                    * precision.bytesPerParameter()) + " " + precision.name().toLowerCase(Locale.ROOT) + " weights + "
                    + gib(footprint.kvBytesPerToken() * tokens) + " KV cache + working memory), over the "
                    + gib(localBudget) + " local budget";
        }
        return null;
    }

    /** Null when the backend can take the request, else why not. */
    private String remoteProblem(long tokens) {
        if (remote == null) {
            return "no backend is configured";
        }
        if (!remote.healthy()) {
            return "the backend " + remote.config().baseUrl() + " is not healthy (GET /health failed)";
        }
        BackendInfo info = infoOrNull();
        if (info == null) {
            return "the backend " + remote.config().baseUrl() + " did not describe its model (GET /v1/models failed)";
        }
        if (tokens > info.maxContext()) {
            return tokens + " tokens exceed the backend's max_context of " + info.maxContext();
        }
        return null;
    }

    private BackendInfo infoOrNull() {
        try {
            return remote.info();
        } catch (RemoteException e) {
            return null;
        }
    }

    private String explain(long tokens, String localProblem, String remoteProblem, Mode mode) {
        List<String> ways = new ArrayList<>();
        long fits = maxLocalTokens();
        ways.add("shorten the input to at most " + fits + " tokens locally: fewer frames (--frames N, 257 tokens each), "
                + "a time range (--range T1-T2), or a shorter document");
        if (precision == Precision.F32) {
            ways.add("use --precision f16 (halves the weights)");
        }
        if (remote == null) {
            ways.add("run it on a backend: --backend URL (see remote-backend/README.md)");
        } else if (mode == Mode.LOCAL) {
            ways.add("let it run on the backend (drop --route local)");
        }
        StringBuilder message = new StringBuilder("the request (" + tokens + " tokens) does not fit: ");
        message.append(localProblem == null ? "--route remote was given" : localProblem).append("; ")
                .append(remoteProblem).append(". To make it fit:");
        for (String way : ways) {
            message.append("\n  - ").append(way);
        }
        return message.toString();
    }

    private long maxLocalTokens() {
        long spare = localBudget - footprint.bytesFor(0, precision);
        return Math.max(0, Math.min(footprint.maxSequenceLength(), spare / footprint.kvBytesPerToken()));
    }

    private static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
    }
}
