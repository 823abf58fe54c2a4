package lwm.ui.inspector;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.scene.image.Image;
import lwm.engine.tokenizer.VisionTokens;
import lwm.media.FrameSampler;
import lwm.media.FrameStream;
import lwm.media.MediaProbe;
import lwm.media.SampledFrame;
import lwm.media.SamplingPolicy;
import lwm.media.TimeRange;
import lwm.media.VideoInfo;
import lwm.ui.util.Background;
import lwm.ui.util.Errors;
import lwm.ui.util.FxImages;

/**
 * One video as the model will see it: its probe, the frames the policy samples (frame count and time range) with
 * their timestamps, those frames exactly as preprocessed for the VQGAN (256×256 centre crops), and the token cost.
 * Changing the count or the range samples again in the background; only the newest result is shown.
 */
public final class InspectorViewModel {
    /** A sampled frame: where it is in the video and the model's 256×256 picture of it. */
    public record Frame(int index, double seconds, Image image) {}

    private final Path file;
    private final Background background;
    private final ObjectProperty<VideoInfo> info = new SimpleObjectProperty<>();
    private final IntegerProperty frames = new SimpleIntegerProperty();
    private final DoubleProperty rangeStart = new SimpleDoubleProperty(0);
    private final DoubleProperty rangeEnd = new SimpleDoubleProperty(0);
    private final ObservableList<Frame> sampled = FXCollections.observableArrayList();
    private final StringProperty estimate = new SimpleStringProperty("");
    private final StringProperty problem = new SimpleStringProperty("");
    private int generation;

    public InspectorViewModel(Path file, int initialFrames, TimeRange initialRange, Background background) {
        this.file = file;
        this.background = background;
        frames.set(initialFrames);
        if (initialRange != null) {
            rangeStart.set(initialRange.startSeconds());
            rangeEnd.set(initialRange.endSeconds());
        }
        frames.addListener((o, was, now) -> sample());
        rangeStart.addListener((o, was, now) -> sample());
        rangeEnd.addListener((o, was, now) -> sample());
        background.run(() -> MediaProbe.probe(file), probed -> {
            info.set(probed);
            if (rangeEnd.get() <= 0) {
                rangeEnd.set(probed.durationSeconds());
            }
            sample();
        }, e -> problem.set(Errors.describe(e)));
    }

    /** The policy the inspector shows: LWM's N evenly spaced frames, within the range unless it is the whole video. */
    public SamplingPolicy policy() {
        SamplingPolicy base = SamplingPolicy.lwm(Math.max(1, frames.get()));
        TimeRange range = range();
        return range == null ? base : base.within(range);
    }

    /** The chosen range, or null for the whole video. */
    public TimeRange range() {
        VideoInfo v = info.get();
        double start = rangeStart.get();
        double end = rangeEnd.get();
        boolean whole = v == null || (start <= 0 && end >= v.durationSeconds() - 1e-6);
        return whole || end <= start ? null : new TimeRange(start, end);
    }

    private void sample() {
        if (info.get() == null) {
            return;
        }
        int mine = ++generation;
        SamplingPolicy policy = policy();
        estimate.set("Sampling…");
        background.run(() -> {
            List<Frame> out = new ArrayList<>();
            try (FrameStream stream = FrameSampler.lwm().open(file, policy)) {
                for (SampledFrame f : stream) {
                    out.add(new Frame(f.index(), f.timestampSeconds(), FxImages.of(f.modelFrame())));
                }
            }
            return out;
        }, out -> {
            if (mine == generation) {
                sampled.setAll(out);
                problem.set("");
                estimate.set(String.format(Locale.ROOT, "%d frames × %d = %d tokens", out.size(),
                        VisionTokens.TOKENS_PER_FRAME, out.size() * VisionTokens.TOKENS_PER_FRAME));
            }
        }, e -> {
            if (mine == generation) {
                sampled.clear();
                estimate.set("");
                problem.set(Errors.describe(e));
            }
        });
    }

    public Path file() {
        return file;
    }

    public ObjectProperty<VideoInfo> infoProperty() {
        return info;
    }

    public IntegerProperty framesProperty() {
        return frames;
    }

    public DoubleProperty rangeStartProperty() {
        return rangeStart;
    }

    public DoubleProperty rangeEndProperty() {
        return rangeEnd;
    }

    public ObservableList<Frame> sampled() {
        return sampled;
    }

    public StringProperty estimateProperty() {
        return estimate;
    }

    public StringProperty problemProperty() {
        return problem;
    }
}
