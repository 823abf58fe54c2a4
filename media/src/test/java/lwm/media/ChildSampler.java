package lwm.media;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Samples files as {@code lwm frames} does (LWM's 8 frames), in a JVM of its own, so that a native crash shows as an
 * exit status instead of taking the test run down. Arguments: {@code lwm=FILE} (model frames) or {@code raw=FILE}
 * (frames as displayed), any number. For each it prints {@code sample ARG}, then per frame {@code frame INDEX WxH
 * CODE TL TR BL BR} (the code of {@link TestMedia#readCode}, the corners' colours as r,g,b), then {@code ok COUNT} or
 * {@code error MESSAGE}.
 */
public final class ChildSampler {

    private ChildSampler() {}

    public static void main(String[] args) {
        for (String arg : args) {
            System.out.println("sample " + arg);
            FrameSampler sampler = arg.startsWith("raw=") ? FrameSampler.rawFrames() : FrameSampler.lwm();
            Path file = Path.of(arg.substring(arg.indexOf('=') + 1));
            try (FrameStream frames = sampler.open(file, SamplingPolicy.lwm(8))) {
                int count = 0;
                for (SampledFrame frame : frames) {
                    System.out.println(describe(frame));
                    count++;
                }
                System.out.println("ok " + count);
            } catch (MediaException e) {
                System.out.println("error " + e.getMessage().replace('\n', ' '));
            }
            System.out.flush();
        }
    }

    private static String describe(SampledFrame frame) {
        RgbImage image = frame.image();
        int right = image.width() - 2;
        int bottom = image.height() - 2;
        return String.format(Locale.ROOT, "frame %d %dx%d %d %s %s %s %s", frame.index(), image.width(),
                image.height(), TestMedia.readCode(image), rgb(image, 1, 1), rgb(image, right, 1),
                rgb(image, 1, bottom), rgb(image, right, bottom));
    }

    private static String rgb(RgbImage image, int x, int y) {
        return image.sample(x, y, 0) + "," + image.sample(x, y, 1) + "," + image.sample(x, y, 2);
    }
}
