package lwm.ui.util;

/** One line for a user from any failure: the first message found down the causes, never a class name alone. */
public final class Errors {
    private Errors() {}

    public static String describe(Throwable e) {
        Throwable cause = e;
        while ((cause.getMessage() == null || cause.getMessage().isBlank()) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        String message = cause.getMessage();
        return message == null ? cause.getClass().getSimpleName() : message.replace('\n', ' ');
    }
}
