package lwm.engine;

/**
 * Makes a refusal message safe to show on one line: names and strings quoted from a damaged file may hold line breaks,
 * control characters or megabytes of junk, which would otherwise break the status line, the log and the error dialog.
 */
public final class OneLine {
    /** Long enough for two paths and a reason; a longer message is cut in the middle, keeping the file and the end. */
    static final int MAX_CHARS = 1000;

    private OneLine() {}

    /** {@code message} with control characters written as escapes ({@code \n}, {@code \x1c}) and at most 1000 chars. */
    public static String of(String message) {
        if (message == null) {
            return null;
        }
        StringBuilder out = new StringBuilder(message.length());
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                        out.append(String.format("\\x%02x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        if (out.length() <= MAX_CHARS) {
            return out.toString();
        }
        int keep = (MAX_CHARS - 3) / 2;
        return out.substring(0, keep) + "..." + out.substring(out.length() - keep);
    }
}
