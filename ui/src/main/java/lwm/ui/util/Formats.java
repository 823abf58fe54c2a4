package lwm.ui.util;

import java.time.Duration;
import java.util.Locale;

/** Numbers as the desktop shows them. */
public final class Formats {
    private Formats() {}

    /** 812 → "812", 12_345 → "12.3K", 1_048_576 → "1.05M". */
    public static String tokens(long n) {
        if (n < 10_000) {
            return Long.toString(n);
        }
        return n < 1_000_000 ? String.format(Locale.ROOT, "%.1fK", n / 1e3) : String.format(Locale.ROOT, "%.2fM", n / 1e6);
    }

    public static String bytes(long n) {
        if (n < 1L << 20) {
            return String.format(Locale.ROOT, "%.0f KiB", n / 1024.0);
        }
        return n < 1L << 30 ? String.format(Locale.ROOT, "%.1f MiB", n / (double) (1L << 20))
                : String.format(Locale.ROOT, "%.2f GiB", n / (double) (1L << 30));
    }

    /** "ETA 1 m 05 s", "ETA 12 s"; empty when unknown. */
    public static String eta(Duration d) {
        if (d == null || d.isZero() || d.isNegative()) {
            return "";
        }
        long s = Math.max(1, d.toSeconds());
        return s < 60 ? "ETA " + s + " s" : String.format(Locale.ROOT, "ETA %d m %02d s", s / 60, s % 60);
    }
}
