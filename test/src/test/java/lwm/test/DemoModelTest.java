package lwm.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.Color;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import lwm.app.model.DemoModel;
import lwm.test.ShapeScenes.Kind;
import lwm.test.ShapeScenes.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundled demo model (models/lwm-demo) as a new user meets it: every command without {@code --model}, asked
 * about real PNG and H.264 files drawn by a renderer of the test's own, answering what the files show; finding a
 * needle in its haystack; drawing what it is asked to.
 */
@Timeout(300)
class DemoModelTest {
    private static final Color GRAY = new Color(128, 128, 128);
    private static final Color BEIGE = new Color(228, 214, 178);

    @TempDir
    Path dir;

    @Test
    void answersTheColourOfAMovingRedSquare() throws Exception {
        String answer = aboutClip(GRAY, List.of(new Shape(Kind.SQUARE, new Color(220, 20, 30), 180, 128, 60, -24, 0)), 5,
                "What color is the square?", "--frames", "4");
        assertTrue(answer.contains("red"), answer);
    }

    @Test
    void namesTheColourOfTheShapeInAnImage() throws Exception {
        String answer = aboutImage(BEIGE, List.of(Shape.still(Kind.CIRCLE, new Color(30, 60, 220), 120, 140, 90)),
                "What color is the circle?");
        assertTrue(answer.contains("blue"), answer);
    }

    @Test
    void countsTheObjectsInAnImage() throws Exception {
        String answer = aboutImage(GRAY, List.of(Shape.still(Kind.CIRCLE, new Color(230, 20, 20), 60, 70, 60),
                Shape.still(Kind.SQUARE, new Color(20, 40, 230), 190, 80, 56),
                Shape.still(Kind.TRIANGLE, new Color(250, 230, 20), 120, 190, 70)), "How many objects are there?");
        assertTrue(answer.contains("three"), answer);
    }

    @Test
    void namesTheShapeOfTheObject() throws Exception {
        String answer = aboutImage(BEIGE, List.of(Shape.still(Kind.TRIANGLE, new Color(20, 150, 30), 110, 120, 100)),
                "What shape is it?");
        assertTrue(answer.contains("triangle") && !answer.contains("circle") && !answer.contains("square"), answer);
    }

    @Test
    void seesWhichWayAShapeMovesInAVideo() throws Exception {
        String answer = aboutClip(GRAY, List.of(new Shape(Kind.CIRCLE, new Color(240, 240, 240), 128, 190, 56, 0, -18),
                Shape.still(Kind.SQUARE, new Color(10, 10, 10), 50, 60, 40)), 6, "Which way does the circle move?");
        assertTrue(answer.contains("up") && !answer.contains("down"), answer);
    }

    @Test
    void findsTheNeedleInItsHaystack() throws Exception {
        CliTest.Run run = CliTest.lwm("needle", "--min", "1000", "--max", "3000", "--lengths", "2", "--depths", "3",
                "--data", dir.resolve("data").toString(), "--json");
        assertEquals(0, run.exit(), run.err());
        JsonNode json = new ObjectMapper().readTree(run.out());
        assertEquals(6, json.get("results").size());
        assertEquals(1.0, json.get("score").asDouble(), json.get("results").toString());
    }

    @Test
    void drawsInTheAskedColour() throws Exception {
        // Only the colour: the shape of its drawings is not reliable yet (models/lwm-demo/MODEL_CARD.md, 16/36).
        Path out = dir.resolve("square.png");
        CliTest.Run run = CliTest.lwm("imagine", "--prompt", "a blue square", "--seed", "3", "--out", out.toString(),
                "--data", dir.resolve("data").toString());
        assertEquals(0, run.exit(), run.err());
        Drawn drawn = Drawn.largestObject(ImageIO.read(out.toFile()));
        assertEquals("blue", drawn.colour(), drawn.toString());
        assertTrue(drawn.area() > 1000, drawn.toString());
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

    /** The answer about a PNG of {@code shapes}. */
    private String aboutImage(Color background, List<Shape> shapes, String question) throws Exception {
        Path image = ShapeScenes.png(dir.resolve("scene.png"), background, shapes);
        return answer("--image", image.toString(), "--question", question);
    }

    /** The answer about an H.264 clip of {@code shapes} over {@code frames} frames. */
    private String aboutClip(Color background, List<Shape> shapes, int frames, String question, String... options)
            throws Exception {
        Path clip = ShapeScenes.mp4(dir.resolve("scene.mp4"), background, shapes, frames);
        List<String> args = new java.util.ArrayList<>(List.of("--video", clip.toString(), "--question", question));
        args.addAll(List.of(options));
        return answer(args.toArray(String[]::new));
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
