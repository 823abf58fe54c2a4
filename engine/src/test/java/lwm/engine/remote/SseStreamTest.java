package lwm.engine.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SseStreamTest {
    private static SseStream of(String text) {
        return new SseStream(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), Duration.ofSeconds(5),
                "POST http://127.0.0.1:1/v1/chat/completions", "chatcmpl-1");
    }

    @Test
    void readsDataFramesSkipsPingsAndStopsAtDone() throws Exception {
        try (SseStream stream = of(": ping\n\ndata: {\"a\":1}\n\n: ping\n\ndata: {\"b\":\ndata: 2}\n\ndata: [DONE]\n\n")) {
            assertEquals("{\"a\":1}", stream.next());
            assertEquals("{\"b\":\n2}", stream.next(), "multi-line data joins with newlines");
            assertNull(stream.next());
            assertEquals("chatcmpl-1", stream.requestId());
        }
    }

    @Test
    void aStreamThatEndsWithoutDoneIsAnErrorNamingTheEndpoint() {
        try (SseStream stream = of("data: {\"a\":1}\n\n")) {
            RemoteException error = assertThrows(RemoteException.class, () -> {
                stream.next();
                stream.next();
            });
            assertTrue(error.getMessage().startsWith("POST http://127.0.0.1:1/v1/chat/completions: the stream ended"),
                    error.getMessage());
        }
    }

    @Test
    void silenceLongerThanTheTimeoutEndsTheReadInsteadOfHanging() throws IOException {
        PipedOutputStream writer = new PipedOutputStream();
        PipedInputStream body = new PipedInputStream(writer);
        writer.write(": ping\n\n".getBytes(StandardCharsets.UTF_8));
        try (SseStream stream = new SseStream(body, Duration.ofMillis(400), "GET http://127.0.0.1:1/x", null)) {
            RemoteException error = assertTimeoutPreemptively(Duration.ofSeconds(10),
                    () -> assertThrows(RemoteException.class, stream::next));
            assertTrue(error.getMessage().contains("nothing received"), error.getMessage());
            assertEquals("silent", error.code());
        }
        writer.close();
    }
}
