package lwm.ui.needle;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Label;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.scene.paint.Color;
import javafx.scene.paint.CycleMethod;
import javafx.scene.paint.LinearGradient;
import javafx.scene.paint.Stop;
import javafx.scene.shape.Rectangle;
import javafx.util.Duration;
import lwm.app.needle.NeedleHeatmap;
import lwm.app.store.NeedleCell;

/**
 * The heatmap as a grid of cells: depth down, context length across, each cell coloured by its mean score on the
 * NIAH ramp, hovering shows its figures and the model's responses; a colour bar labelled Score beside it.
 */
final class HeatmapView {
    private static final double CELL = 44;

    private final GridPane grid = new GridPane();
    private final HBox root;

    HeatmapView() {
        grid.setId("heatmap");
        grid.setHgap(1);
        grid.setVgap(1);
        root = new HBox(16, grid, colourBar());
        root.setAlignment(Pos.TOP_LEFT);
        root.setPadding(new Insets(12));
    }

    HBox node() {
        return root;
    }

    /** Redraws the whole grid (at most a few hundred cells; a run changes it once per finished cell). */
    void show(NeedleHeatmap map, List<NeedleCell> cells, String unit) {
        grid.getChildren().clear();
        if (map.lengths().length == 0) {
            return;
        }
        grid.add(axis("Context length (" + unit + ") →"), 1, 0, map.lengths().length, 1);
        grid.add(axis("Depth ↓"), 0, 1);
        for (int l = 0; l < map.lengths().length; l++) {
            Label tick = axis(shortTokens(map.lengths()[l]));
            tick.setMinWidth(CELL);
            tick.setAlignment(Pos.CENTER);
            grid.add(tick, l + 1, 1);
        }
        for (int d = 0; d < map.depths().length; d++) {
            grid.add(axis(map.depths()[d] + " %"), 0, d + 2);
            for (int l = 0; l < map.lengths().length; l++) {
                grid.add(cell(map, d, l, cells, unit), l + 1, d + 2);
            }
        }
    }

    private static Region cell(NeedleHeatmap map, int d, int l, List<NeedleCell> cells, String unit) {
        Region r = new Region();
        r.setPrefSize(CELL, CELL);
        r.getStyleClass().add("heatmap-cell");
        int runs = map.runs()[d][l];
        r.setId("cell-" + map.lengths()[l] + "-" + map.depths()[d]);
        if (runs == 0) {
            r.getStyleClass().add("empty");
            return r;
        }
        r.setStyle(String.format(Locale.ROOT, "-fx-background-color: #%06x;", NeedleHeatmap.color(map.mean()[d][l])));
        Tooltip tip = new Tooltip(details(map.lengths()[l], map.depths()[d], map.mean()[d][l], runs, cells, unit));
        tip.setShowDelay(Duration.millis(150));
        tip.setWrapText(true);
        tip.setMaxWidth(520);
        Tooltip.install(r, tip);
        return r;
    }

    /** What a cell holds: its figures, then each round's question, answer and response. */
    static String details(int length, int depth, double mean, int runs, List<NeedleCell> cells, String unit) {
        StringBuilder text = new StringBuilder(String.format(Locale.ROOT, "%,d %s · depth %d %% · score %.2f over %d %s",
                length, unit, depth, mean, runs, runs == 1 ? "answer" : "answers"));
        List<String> lines = new ArrayList<>();
        for (NeedleCell c : cells) {
            if (c.contextLength() != length) {
                continue;
            }
            for (int i = 0; i < c.answers().size(); i++) {
                int at = c.depthPercent() >= 0 ? c.depthPercent() : c.needles().get(i).depthPercent();
                if (at == depth) {
                    lines.add("round " + c.round() + ": " + (c.correct().get(i) ? "found " : "missed ") + c.answers().get(i)
                            + (c.question().isEmpty() ? "" : "\n  Q: " + c.question()) + "\n  A: " + clip(c.response()));
                }
            }
        }
        lines.forEach(line -> text.append('\n').append(line));
        return text.toString();
    }

    private static String clip(String s) {
        String one = s.replace('\n', ' ');
        return one.length() > 200 ? one.substring(0, 200) + "…" : one;
    }

    private static String shortTokens(int n) {
        return n >= 1000 ? String.format(Locale.ROOT, "%.1fK", n / 1000.0).replace(".0K", "K") : Integer.toString(n);
    }

    private static Label axis(String text) {
        Label l = new Label(text);
        l.getStyleClass().add("heatmap-axis");
        l.setMinWidth(Region.USE_PREF_SIZE);
        return l;
    }

    private static VBox colourBar() {
        List<Stop> stops = new ArrayList<>();
        for (int i = 0; i <= 10; i++) {
            int rgb = NeedleHeatmap.color(1 - i / 10.0);
            stops.add(new Stop(i / 10.0, Color.rgb(rgb >> 16 & 0xFF, rgb >> 8 & 0xFF, rgb & 0xFF)));
        }
        Rectangle bar = new Rectangle(16, 200, new LinearGradient(0, 0, 0, 1, true, CycleMethod.NO_CYCLE, stops));
        VBox box = new VBox(4, axis("1"), bar, axis("0"), axis("Score"));
        box.setAlignment(Pos.TOP_CENTER);
        box.setPadding(new Insets(24, 0, 0, 0));
        return box;
    }
}
