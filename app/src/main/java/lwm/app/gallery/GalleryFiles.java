package lwm.app.gallery;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import lwm.app.store.GalleryItem;
import lwm.engine.imagine.ImagineRequest;
import lwm.media.FrameSampler;
import lwm.media.FrameStream;
import lwm.media.Mp4Writer;
import lwm.media.PngWriter;
import lwm.media.RgbImage;
import lwm.media.SampledFrame;
import lwm.media.SamplingPolicy;

/**
 * The files of the gallery: a PNG for one frame, an MP4 at LWM's 4 fps for a clip (reference/lwm.md §4.5), each
 * carrying its generation record: PNG text chunks, MP4 {@code title} and {@code comment} tags; the record is LWM's
 * parameter names ({@code vision_generation.py}) as JSON, plus the model and where it ran.
 */
public final class GalleryFiles {
    /** LWM's frame rate for generated videos. */
    public static final double FPS = 4;
    /** The text key (PNG) / part of the comment (MP4) holding the JSON record. */
    public static final String RECORD_KEY = "lwm";

    private static final ObjectMapper JSON = new ObjectMapper();

    private GalleryFiles() {}

    /** The generation record: prompt, n_frames, seed, temperature/top_k/cfg_scale per modality, model, backend. */
    public static String record(GalleryItem item) {
        ImagineRequest r = item.request();
        ObjectNode json = JSON.createObjectNode()
                .put("prompt", r.prompt()).put("n_frames", r.frames()).put("seed", r.seed())
                .put("temperature_image", r.image().temperature()).put("top_k_image", r.image().topK())
                .put("cfg_scale_image", r.image().cfgScale())
                .put("temperature_video", r.video().temperature()).put("top_k_video", r.video().topK())
                .put("cfg_scale_video", r.video().cfgScale())
                .put("model", item.model()).put("backend", "local");
        return json.toString();
    }

    static Map<String, String> metadata(GalleryItem item) {
        Map<String, String> text = new LinkedHashMap<>();
        text.put("title", item.request().prompt());
        text.put(item.isVideo() ? "comment" : RECORD_KEY, record(item));
        if (!item.isVideo()) {
            text.put("Software", "LWM Desktop");
        }
        return text;
    }

    static void write(Path file, List<RgbImage> frames, Map<String, String> metadata) {
        if (file.getFileName().toString().endsWith(".png")) {
            PngWriter.write(frames.get(0), file, metadata);
            return;
        }
        RgbImage first = frames.get(0);
        try (Mp4Writer writer = new Mp4Writer(file, first.width(), first.height(), FPS, metadata)) {
            frames.forEach(writer::write);
        }
    }

    /** The frames of an item's file, in order (one for an image). */
    public static List<RgbImage> frames(GalleryItem item) {
        List<RgbImage> out = new ArrayList<>();
        try (FrameStream stream = FrameSampler.rawFrames().open(item.file(), SamplingPolicy.lwm(item.request().frames()))) {
            for (SampledFrame frame : stream) {
                out.add(frame.image());
            }
        }
        return out;
    }

    /** The first frame of a gallery file, for thumbnails. */
    public static RgbImage firstFrame(Path file) {
        try (FrameStream stream = FrameSampler.rawFrames().open(file, SamplingPolicy.lwm(1))) {
            return stream.iterator().next().image();
        }
    }
}
