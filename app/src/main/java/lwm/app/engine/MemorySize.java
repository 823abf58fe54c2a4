package lwm.app.engine;

import java.util.Locale;

/** Sizes as people write them: 12G, 512M, 1.5T, or plain bytes. */
public final class MemorySize {
    private MemorySize() {}

    /** The size in bytes; an exception quoting {@code text} unless it is a positive size. */
    public static long parse(String text) {
        String value = text.strip().toUpperCase(Locale.ROOT);
        long unit = switch (value.isEmpty() ? ' ' : value.charAt(value.length() - 1)) {
            case 'K' -> 1L << 10;
            case 'M' -> 1L << 20;
            case 'G' -> 1L << 30;
            case 'T' -> 1L << 40;
            default -> 1;
        };
        String digits = unit == 1 ? value : value.substring(0, value.length() - 1);
        try {
            double amount = Double.parseDouble(digits);
            if (!(amount > 0) || amount * unit > Long.MAX_VALUE) {
                throw new NumberFormatException();
            }
            return (long) (amount * unit);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a memory size must be positive, like 12G or 512M; got '" + text + "'");
        }
    }

    /** Bytes as GiB with two decimals, the unit every message uses. */
    public static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
    }
}
