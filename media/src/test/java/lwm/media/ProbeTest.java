package lwm.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProbeTest {

    @Test
    void h264WithAudio() throws Exception {
        VideoInfo info = MediaProbe.probe(VideoFixtures.h264());
        assertEquals("h264", info.videoCodec());
        assertEquals("aac", info.audioCodec());
        assertTrue(info.hasAudio());
        assertEquals(50, info.frameCount());
        assertEquals(25.0, info.frameRate(), 1e-9);
        assertEquals(2.0, info.durationSeconds(), 0.05);
        assertEquals(160, info.width());
        assertEquals(96, info.height());
        assertEquals(0, info.rotation());
        assertTrue(info.container().contains("mp4"));
        // Keyframes every 12 frames at 25 fps.
        assertEquals(12 / 25.0, info.keyframeIntervalSeconds(), 1e-6);
    }

    @Test
    void longKeyframeIntervalIsMeasuredFromTheKeyframes() throws Exception {
        VideoInfo info = MediaProbe.probe(VideoFixtures.h264LongGop());
        assertEquals(10.0, info.keyframeIntervalSeconds(), 1e-6);
        assertFalse(info.hasAudio());
        assertNull(info.audioCodec());
    }

    @Test
    void otherCodecsAndOddSizes() throws Exception {
        VideoInfo vp9 = MediaProbe.probe(VideoFixtures.vp9Odd());
        assertEquals("vp9", vp9.videoCodec());
        assertEquals(334, vp9.width());
        assertEquals(187, vp9.height());
        assertEquals("mpeg4", MediaProbe.probe(VideoFixtures.mpeg4()).videoCodec());
        VideoInfo av1 = MediaProbe.probe(VideoFixtures.av1());
        assertEquals("av1", av1.videoCodec());
        assertEquals(0.4, av1.keyframeIntervalSeconds(), 1e-6);
    }

    @Test
    void rotationFromTheDisplayMatrix() throws Exception {
        VideoInfo info = MediaProbe.probe(VideoFixtures.rotatedClockwise());
        assertEquals(90, info.rotation());
        assertEquals(96, info.displayWidth());
        assertEquals(160, info.displayHeight());
    }

    @Test
    void variableFrameRate() throws Exception {
        VideoInfo info = MediaProbe.probe(VideoFixtures.variableFrameRate());
        assertEquals(8, info.frameCount());
        assertEquals(1.5, info.durationSeconds(), 0.01);
    }
}
