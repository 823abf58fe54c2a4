package lwm.media;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.util.Locale;

/**
 * A grid of sampled frames, each labelled with its timestamp, drawn as frames arrive so that a sheet of an hour-long
 * video never holds more than itself.
 */
public final class ContactSheet {

    private static final int LABEL_HEIGHT = 18;
    private static final int GAP = 4;

    private final int columns;
    private final int rows;
    private final int cellWidth;
    private final int cellHeight;
    private final RgbImage sheet;
    private final Graphics2D graphics;
    private int added;

    /** A sheet of {@code columns x rows} cells, frames scaled to {@code cellWidth x cellHeight}. */
    public ContactSheet(int columns, int rows, int cellWidth, int cellHeight) {
        this.columns = columns;
        this.rows = rows;
        this.cellWidth = cellWidth;
        this.cellHeight = cellHeight;
        sheet = RgbImage.blank(columns * (cellWidth + GAP) + GAP, rows * (cellHeight + LABEL_HEIGHT + GAP) + GAP);
        graphics = RgbBufferedImages.wrap(sheet).createGraphics();
        graphics.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        graphics.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        graphics.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, LABEL_HEIGHT - 6));
        graphics.setColor(new Color(24, 24, 24));
        graphics.fillRect(0, 0, sheet.width(), sheet.height());
    }

    /** Draws the next frame in the next free cell; returns false (drawing nothing) when the sheet is full. */
    public boolean add(SampledFrame frame) {
        if (added == columns * rows) {
            return false;
        }
        int x = GAP + (added % columns) * (cellWidth + GAP);
        int y = GAP + (added / columns) * (cellHeight + LABEL_HEIGHT + GAP);
        graphics.drawImage(RgbBufferedImages.wrap(frame.image()), x, y, cellWidth, cellHeight, null);
        graphics.setColor(Color.WHITE);
        graphics.drawString(label(frame.timestampSeconds()), x + 2, y + cellHeight + LABEL_HEIGHT - 5);
        added++;
        return true;
    }

    /** {@code h:mm:ss.s} for an hour or more, else {@code m:ss.s}. */
    static String label(double seconds) {
        long tenths = Math.round(seconds * 10);
        long hours = tenths / 36000;
        long minutes = tenths / 600 % 60;
        double rest = tenths % 600 / 10.0;
        return hours > 0
                ? String.format(Locale.ROOT, "%d:%02d:%04.1f", hours, minutes, rest)
                : String.format(Locale.ROOT, "%d:%04.1f", minutes, rest);
    }

    /** The sheet as drawn so far (shares its pixels with this sheet). */
    public RgbImage image() {
        return sheet;
    }
}
