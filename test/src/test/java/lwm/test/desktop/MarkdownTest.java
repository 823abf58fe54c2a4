package lwm.test.desktop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Collectors;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.text.Text;
import javafx.scene.text.TextFlow;
import javafx.stage.Stage;
import lwm.ui.markdown.Markdown;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

/** Answers' Markdown as nodes: every block kind, inline spans, and nothing of the text lost, even mid-stream. */
@ExtendWith(ApplicationExtension.class)
class MarkdownTest {
    @Start
    void start(Stage stage) {}

    private static String text(Node node) {
        if (node instanceof Label label) {
            return label.getText();
        }
        return ((TextFlow) node).getChildren().stream().map(n -> ((Text) n).getText()).collect(Collectors.joining());
    }

    private static List<String> classes(Node node, String prefix) {
        return node.getStyleClass().stream().filter(c -> c.startsWith(prefix)).toList();
    }

    @Test
    void blocksAndInlineSpansGetTheirStyles() {
        List<Node> blocks = Markdown.render("# Title\nA **bold** and *italic* `code` line\ncontinues.\n\n- one\n2. two\n"
                + "```\nx = 1\n```").getChildren();
        assertEquals(5, blocks.size());
        assertEquals("Title", text(blocks.get(0)));
        assertTrue(blocks.get(0).getStyleClass().contains("md-h1"));
        assertEquals("A bold and italic code line continues.", text(blocks.get(1)));
        List<Node> spans = ((TextFlow) blocks.get(1)).getChildren();
        assertEquals(List.of("md-text"), classes(spans.get(0), "md-"));
        assertTrue(spans.get(1).getStyleClass().contains("md-bold"));
        assertTrue(spans.get(3).getStyleClass().contains("md-italic"));
        assertTrue(spans.get(5).getStyleClass().contains("md-inline-code"));
        assertEquals("• one", text(blocks.get(2)));
        assertEquals("2. two", text(blocks.get(3)));
        assertEquals("x = 1", text(blocks.get(4)));
        assertTrue(blocks.get(4).getStyleClass().contains("md-code"));
    }

    @Test
    void unmatchedMarkersAndAnUnclosedFenceKeepEveryCharacter() {
        List<Node> blocks = Markdown.render("2 * 3 = 6 and a_b, **not closed\n```\nstill streaming").getChildren();
        assertEquals("2 * 3 = 6 and a_b, **not closed", text(blocks.get(0)));
        assertEquals("still streaming", text(blocks.get(1)));
    }
}
