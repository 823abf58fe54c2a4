package lwm.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.Color;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import lwm.app.model.DemoModel;
import lwm.test.ShapeScenes.Kind;
import lwm.test.ShapeScenes.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundled demo model (models/lwm-demo) as a new user meets it: every command without {@code --model}, asked
 * about real PNG and H.264 files drawn by a renderer of the test's own, answering what the files show.
 */
@Timeout(300)
class DemoModelTest {
    private static final Color GRAY = new Color(128, 128, 128);
    private static final Color BEIGE = new Color(228, 214, 178);

    @TempDir
    Path dir;

    @Test
    void answersTheColourOfAMovingRedSquare() throws Exception {
        Path clip = ShapeScenes.mp4(dir.resolve("red-square.mp4"), GRAY,
                List.of(new Shape(Kind.SQUARE, new Color(220, 20, 30), 180, 128, 60, -24, 0)), 5);

        String answer = answer("--video", clip.toString(), "--frames", "4", "--question", "What color is the square?");
        assertTrue(answer.contains("red"), answer);
    }

    @Test
    void namesTheColourOfTheShapeInAnImage() throws Exception {
        Path image = ShapeScenes.png(dir.resolve("circle.png"), BEIGE,
                List.of(Shape.still(Kind.CIRCLE, new Color(30, 60, 220), 120, 140, 90)));

        String answer = answer("--image", image.toString(), "--question", "What color is the circle?");
        assertTrue(answer.contains("blue"), answer);
    }

    @Test
    void chatsInTheTerminal() {
        CliTest.Run run = CliTest.lwmWithInput("Hello\n", "chat", "--max-new-tokens", "16");
        assertEquals(0, run.exit(), run.err());
        // Its text chat is weak (MODEL_CARD.md): the test holds the flow to answering, not the answer's wording.
        assertTrue(run.out().replace(">", "").strip().length() > 0, run.out());
        assertTrue(run.err().contains("route: local"), run.err());
    }

    @Test
    void continuesAPrompt() throws Exception {
        CliTest.Run run = CliTest.lwm("generate", "--prompt", "A red circle", "--max-new-tokens", "8", "--greedy",
                "--json");
        assertEquals(0, run.exit(), run.err());
        assertEquals(8, new ObjectMapper().readTree(run.out()).get("generated_ids").size());
    }

    @Test
    void aDemoModelFolderWithoutTheModelIsNamed() {
        String before = System.getProperty(DemoModel.PROPERTY);
        System.setProperty(DemoModel.PROPERTY, dir.toString());
        try {
            CliTest.Run run = CliTest.lwmWithInput("Hello\n", "chat");
            assertEquals(1, run.exit());
            assertTrue(run.err().contains(dir.toString()) && run.err().contains("no demo model"), run.err());
        } finally {
            if (before == null) {
                System.clearProperty(DemoModel.PROPERTY);
            } else {
                System.setProperty(DemoModel.PROPERTY, before);
            }
        }
    }

    /** The greedy answer, lower case, of {@code lwm ask} with the default model. */
    private String answer(String... args) throws Exception {
        List<String> full = new java.util.ArrayList<>(List.of("ask", "--greedy", "--max-new-tokens", "24", "--json",
                "--cache", dir.resolve("codes").toString()));
        full.addAll(List.of(args));
        CliTest.Run run = CliTest.lwm(full.toArray(String[]::new));
        assertEquals(0, run.exit(), run.err());
        return new ObjectMapper().readTree(run.out()).get("text").asText().toLowerCase(Locale.ROOT);
    }
}
