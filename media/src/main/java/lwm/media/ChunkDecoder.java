package lwm.media;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;
import java.util.function.UnaryOperator;
import org.bytedeco.ffmpeg.avutil.AVFrame;

/**
 * One worker's decoder. For each wanted frame it decodes forward when the frame lies in the group of pictures it is
 * already in, and seeks to the frame's keyframe when a later keyframe lies in between: one forward pass when
 * keyframes are far apart (relative to the sampling interval), a seek per sample when they are close. Only wanted
 * frames are converted to RGB.
 */
final class ChunkDecoder implements AutoCloseable {

    /** Receives the converted frames; may block (back-pressure). */
    interface Sink {
        void accept(SampledFrame frame) throws InterruptedException;
    }

    private final VideoDecoder decoder;
    private final RgbConverter converter;
    private final FrameTimeline timeline;
    private final boolean canSeek;
    private final UnaryOperator<RgbImage> transform;
    private final AtomicLong decodedFrames;
    private final AtomicLong seeks;
    /** Index of the first frame the decoder can produce next without seeking. */
    private int nextFrame;
    /** The keyframe of the latest seek. */
    private int lastSeek = -1;

    ChunkDecoder(VideoDecoder decoder, FrameTimeline timeline, boolean canSeek, UnaryOperator<RgbImage> transform,
            AtomicLong decodedFrames, AtomicLong seeks) {
        this.decoder = decoder;
        this.converter = new RgbConverter(decoder.container().file(), decoder.container().rotation());
        this.timeline = timeline;
        this.canSeek = canSeek;
        this.transform = transform;
        this.decodedFrames = decodedFrames;
        this.seeks = seeks;
    }

    /** Decodes {@code frames} (ascending) into {@code sink}; frames that cannot be decoded go to {@code lost}. */
    void decode(int[] frames, Sink sink, IntConsumer lost) throws InterruptedException {
        int wanted = 0;
        boolean afterSeek = seekIfNeeded(frames[0]);
        boolean rewound = false;
        while (wanted < frames.length) {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            AVFrame frame = decoder.next();
            if (frame == null) {
                break;
            }
            decodedFrames.incrementAndGet();
            int index = indexOf(frame);
            if (afterSeek && index > frames[wanted] && !rewound) {
                // The container's seek landed past the keyframe: walk forward from the very start instead.
                rewound = true;
                seekTo(0);
                continue;
            }
            afterSeek = false;
            nextFrame = index + 1;
            while (wanted < frames.length && frames[wanted] < index) {
                lost.accept(frames[wanted++]);
            }
            if (wanted < frames.length && frames[wanted] == index) {
                RgbImage image = transform.apply(converter.convert(frame));
                sink.accept(new SampledFrame(index, timeline.seconds(index), image));
                wanted++;
            }
            if (wanted < frames.length) {
                afterSeek = seekIfNeeded(frames[wanted]);
            }
        }
        while (wanted < frames.length) {
            lost.accept(frames[wanted++]);
        }
    }

    private int indexOf(AVFrame frame) {
        long timestamp = VideoDecoder.timestamp(frame);
        if (!timeline.hasTimestamps() || timestamp == Long.MIN_VALUE) {
            return nextFrame;
        }
        return timeline.indexOf(timestamp);
    }

    private boolean seekIfNeeded(int frame) {
        int keyframe = timeline.keyframeAtOrBefore(frame);
        boolean decodingReaches = frame >= nextFrame && keyframe <= nextFrame;
        // A seek that landed before its keyframe (a packet is flagged key but the seek index lacks it) is not
        // repeated: it would land there again forever, while decoding on from there reaches the frame.
        boolean landedShort = frame >= nextFrame && keyframe == lastSeek;
        if (!canSeek || decodingReaches || landedShort) {
            return false;
        }
        seekTo(keyframe);
        return true;
    }

    private void seekTo(int keyframe) {
        seeks.incrementAndGet();
        if (!decoder.seekBefore(timeline.timestamp(keyframe))) {
            throw new MediaException(decoder.container().file(), "seeking to frame " + keyframe + " failed");
        }
        nextFrame = keyframe;
        lastSeek = keyframe;
    }

    int rejectedPackets() {
        return decoder.rejectedPackets();
    }

    @Override
    public void close() {
        converter.close();
        decoder.close();
    }
}
