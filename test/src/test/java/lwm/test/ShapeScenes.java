package lwm.test;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import lwm.media.Mp4Writer;
import lwm.media.RgbImage;

/**
 * The demo model's world drawn by Java2D (antialiased), a renderer of its own: PNG images and H.264 clips of named
 * shapes on plain backgrounds, for asking the real demo model about them end to end.
 */
public final class ShapeScenes {
    public static final int SIZE = 256;

    public enum Kind { CIRCLE, SQUARE, TRIANGLE }

    /** A shape of full width {@code size} centred at (x, y) in frame 0, moving (dx, dy) pixels per frame. */
    public record Shape(Kind kind, Color color, double x, double y, double size, double dx, double dy) {
        public static Shape still(Kind kind, Color color, double x, double y, double size) {
            return new Shape(kind, color, x, y, size, 0, 0);
        }
    }

    private ShapeScenes() {}

    public static BufferedImage draw(Color background, List<Shape> shapes, int frame) {
        BufferedImage image = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(background);
        g.fillRect(0, 0, SIZE, SIZE);
        for (Shape s : shapes) {
            double cx = s.x() + s.dx() * frame;
            double cy = s.y() + s.dy() * frame;
            double h = s.size() / 2;
            g.setColor(s.color());
            switch (s.kind()) {
                case CIRCLE -> g.fill(new Ellipse2D.Double(cx - h, cy - h, s.size(), s.size()));
                case SQUARE -> g.fill(new Rectangle2D.Double(cx - h, cy - h, s.size(), s.size()));
                case TRIANGLE -> {
                    Path2D.Double t = new Path2D.Double();
                    t.moveTo(cx, cy - h);
                    t.lineTo(cx + h, cy + 0.8 * h);
                    t.lineTo(cx - h, cy + 0.8 * h);
                    t.closePath();
                    g.fill(t);
                }
            }
        }
        g.dispose();
        return image;
    }

    public static Path png(Path file, Color background, List<Shape> shapes) throws IOException {
        ImageIO.write(draw(background, shapes, 0), "png", file.toFile());
        return file;
    }

    public static Path mp4(Path file, Color background, List<Shape> shapes, int frames) {
        try (Mp4Writer writer = new Mp4Writer(file, SIZE, SIZE, 4)) {
            for (int f = 0; f < frames; f++) {
                BufferedImage image = draw(background, shapes, f);
                byte[] rgb = new byte[SIZE * SIZE * 3];
                for (int y = 0; y < SIZE; y++) {
                    for (int x = 0; x < SIZE; x++) {
                        int p = image.getRGB(x, y);
                        int i = (y * SIZE + x) * 3;
                        rgb[i] = (byte) (p >> 16);
                        rgb[i + 1] = (byte) (p >> 8);
                        rgb[i + 2] = (byte) p;
                    }
                }
                writer.write(new RgbImage(SIZE, SIZE, rgb));
            }
        }
        return file;
    }
}
