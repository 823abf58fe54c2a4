package lwm.ui.markdown;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.layout.VBox;
import javafx.scene.text.Text;
import javafx.scene.text.TextFlow;

/**
 * The Markdown that chat answers use, as JavaFX nodes: paragraphs, headings, bullet and numbered lists, fenced code
 * blocks, and inline bold, italic and code. Anything else shows as the text it is; nothing is ever dropped.
 */
public final class Markdown {
    private static final Pattern INLINE = Pattern.compile("`([^`]+)`|\\*\\*(.+?)\\*\\*|\\*([^*\\s][^*]*?)\\*|_([^_\\s][^_]*?)_");
    private static final Pattern BULLET = Pattern.compile("^\\s*[-*+]\\s+(.*)$");
    private static final Pattern NUMBERED = Pattern.compile("^\\s*(\\d+)[.)]\\s+(.*)$");
    private static final Pattern HEADING = Pattern.compile("^(#{1,6})\\s+(.*)$");

    private Markdown() {}

    /** Blocks of {@code source}, each a node styled by the classes md-paragraph, md-heading, md-code, md-list-item. */
    public static VBox render(String source) {
        VBox box = new VBox(6);
        box.getStyleClass().add("markdown");
        box.getChildren().addAll(blocks(source));
        return box;
    }

    static List<Node> blocks(String source) {
        List<Node> out = new ArrayList<>();
        List<String> paragraph = new ArrayList<>();
        StringBuilder code = null;
        for (String line : source.split("\n", -1)) {
            if (line.strip().startsWith("```")) {
                if (code == null) {
                    flush(paragraph, out);
                    code = new StringBuilder();
                } else {
                    out.add(codeBlock(code.toString()));
                    code = null;
                }
                continue;
            }
            if (code != null) {
                code.append(code.length() == 0 ? "" : "\n").append(line);
                continue;
            }
            Matcher heading = HEADING.matcher(line);
            Matcher bullet = BULLET.matcher(line);
            Matcher numbered = NUMBERED.matcher(line);
            if (line.isBlank()) {
                flush(paragraph, out);
            } else if (heading.matches()) {
                flush(paragraph, out);
                out.add(styled(inline(heading.group(2)), "md-heading", "md-h" + heading.group(1).length()));
            } else if (bullet.matches()) {
                flush(paragraph, out);
                out.add(listItem("•", bullet.group(1)));
            } else if (numbered.matches()) {
                flush(paragraph, out);
                out.add(listItem(numbered.group(1) + ".", numbered.group(2)));
            } else {
                paragraph.add(line.strip());
            }
        }
        if (code != null) {
            out.add(codeBlock(code.toString())); // an unclosed fence while the answer is still streaming
        }
        flush(paragraph, out);
        return out;
    }

    private static void flush(List<String> paragraph, List<Node> out) {
        if (!paragraph.isEmpty()) {
            out.add(styled(inline(String.join(" ", paragraph)), "md-paragraph"));
            paragraph.clear();
        }
    }

    private static Node listItem(String marker, String text) {
        TextFlow flow = inline(text);
        flow.getChildren().add(0, new Text(marker + " "));
        return styled(flow, "md-list-item");
    }

    private static Node codeBlock(String code) {
        Label label = new Label(code);
        label.getStyleClass().add("md-code");
        label.setWrapText(false);
        label.setMaxWidth(Double.MAX_VALUE);
        return label;
    }

    private static TextFlow styled(TextFlow flow, String... classes) {
        flow.getStyleClass().addAll(classes);
        return flow;
    }

    /** Inline spans: `code`, **bold**, *italic* and _italic_; the rest as plain text. */
    static TextFlow inline(String text) {
        TextFlow flow = new TextFlow();
        Matcher m = INLINE.matcher(text);
        int at = 0;
        while (m.find()) {
            if (m.start() > at) {
                flow.getChildren().add(plain(text.substring(at, m.start())));
            }
            Text span;
            if (m.group(1) != null) {
                span = span(m.group(1), "md-inline-code");
            } else if (m.group(2) != null) {
                span = span(m.group(2), "md-bold");
            } else {
                span = span(m.group(3) != null ? m.group(3) : m.group(4), "md-italic");
            }
            flow.getChildren().add(span);
            at = m.end();
        }
        if (at < text.length()) {
            flow.getChildren().add(plain(text.substring(at)));
        }
        return flow;
    }

    private static Text plain(String s) {
        Text t = new Text(s);
        t.getStyleClass().add("md-text");
        return t;
    }

    private static Text span(String s, String styleClass) {
        Text t = plain(s);
        t.getStyleClass().add(styleClass);
        return t;
    }
}
