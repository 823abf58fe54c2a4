package lwm.test.desktop;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javafx.embed.swing.SwingFXUtils;
import javafx.scene.Scene;
import javafx.stage.Window;
import javax.imageio.ImageIO;
import lwm.app.settings.Settings;
import lwm.test.ShapeScenes;
import lwm.test.ShapeScenes.Kind;
import lwm.test.ShapeScenes.Shape;

/**
 * Renders each screen of the desktop, light and dark, into PNG files (not a test): test/scripts/screenshots.sh runs
 * it under Xvfb with the real GTK window system.
 *
 * <pre>  ScreenshotTour OUT_DIR</pre>
 */
public final class ScreenshotTour {
    private ScreenshotTour() {}

    public static void main(String[] args) throws Exception {
        try {
            tour(Path.of(args[0]));
            System.exit(0);
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(1); // the FX thread would keep the JVM alive
        }
    }

    private static void tour(Path outDir) throws Exception {
        Path out = Files.createDirectories(outDir);
        Path work = Files.createTempDirectory("lwm-tour");
        DesktopDriver.startFx();
        Path image = ShapeScenes.png(work.resolve("red-square.png"), new Color(128, 128, 128),
                List.of(Shape.still(Kind.SQUARE, new Color(220, 20, 30), 128, 128, 110)));
        Path clip = ShapeScenes.mp4(work.resolve("blue-circle-moving-right.mp4"), new Color(228, 214, 178),
                List.of(new Shape(Kind.CIRCLE, new Color(30, 60, 220), 40, 128, 60, 4.5, 0)), 40);
        for (Settings.Theme theme : Settings.Theme.values()) {
            String suffix = theme.name().toLowerCase(java.util.Locale.ROOT);
            Settings settings = Settings.defaults().withTheme(theme);
            DesktopHarness desktop = DesktopDriver.open(work.resolve("data-" + suffix), settings);
            var chat = desktop.window.chat();
            DesktopDriver.onFx(() -> {
                chat.addAttachments(List.of(image));
                chat.draftProperty().set("What color is the square?");
                return null;
            });
            DesktopDriver.await("the plan", 30, () -> chat.planProperty().get() != null);
            DesktopDriver.onFx(() -> {
                chat.send();
                return null;
            });
            DesktopDriver.await("the answer", 120, () -> !chat.busyProperty().get() && chat.messages().size() == 2);
            DesktopDriver.onFx(() -> {
                chat.draftProperty().set("Which way does the circle move?");
                chat.addAttachments(List.of(clip));
                return null;
            });
            DesktopDriver.await("the video plan", 30, () -> chat.planProperty().get() != null
                    && chat.planProperty().get().items().size() == 1);
            Thread.sleep(800);
            snapshot(desktop.window.scene(), out.resolve("chat-" + suffix + ".png"));

            DesktopDriver.onFx(() -> {
                javafx.scene.control.Label chip = (javafx.scene.control.Label) desktop.window.scene().lookup(".attachment .file-chip");
                javafx.application.Platform.runLater(() -> chip.getOnMouseClicked().handle(null));
                return null;
            });
            Scene inspector = dialog("#contact-sheet", n -> ((javafx.scene.layout.Pane) n).getChildren().size() == 8);
            snapshot(inspector, out.resolve("inspector-" + suffix + ".png"));
            cancel(inspector);

            gallery(desktop, out, suffix);
            needles(desktop, out, suffix);

            DesktopDriver.onFx(() -> {
                javafx.scene.control.Button open = (javafx.scene.control.Button) desktop.window.scene().lookup("#open-settings");
                javafx.application.Platform.runLater(open::fire);
                return null;
            });
            Scene settingsScene = dialog("#model-summary",
                    n -> ((javafx.scene.control.Label) n).getText().startsWith("LWM Jax params"));
            snapshot(settingsScene, out.resolve("settings-" + suffix + ".png"));
            cancel(settingsScene);

            DesktopDriver.onFx(() -> {
                chat.framesPerVideoProperty().set(40);
                return null;
            });
            DesktopDriver.await("the refusal", 30, () -> chat.planProperty().get() != null && !chat.planProperty().get().fits());
            Thread.sleep(500);
            snapshot(desktop.window.scene(), out.resolve("planner-does-not-fit-" + suffix + ".png"));
            desktop.close();
            closeWindows();
        }
        System.out.println("screenshots in " + out);
    }

    /** The gallery with an image and a clip, one snapshot while the clip's frames arrive and one when it is done. */
    private static void gallery(DesktopHarness desktop, Path out, String suffix) throws Exception {
        var gallery = desktop.window.gallery();
        DesktopDriver.onFx(() -> {
            ((javafx.scene.control.ToggleButton) desktop.window.scene().lookup("#screen-gallery")).fire();
            gallery.promptProperty().set("a red square");
            gallery.generate();
            return null;
        });
        DesktopDriver.await("the image", 120, () -> !gallery.busyProperty().get() && gallery.tiles().size() == 1);
        DesktopDriver.onFx(() -> {
            gallery.promptProperty().set("a blue circle moving to the left");
            gallery.framesProperty().set(4);
            gallery.generate();
            return null;
        });
        DesktopDriver.await("the second frame", 120, () -> gallery.progressProperty().get() > 0.4);
        snapshot(desktop.window.scene(), out.resolve("gallery-generating-" + suffix + ".png"));
        DesktopDriver.await("the clip", 180, () -> !gallery.busyProperty().get());
        Thread.sleep(800);
        snapshot(desktop.window.scene(), out.resolve("gallery-" + suffix + ".png"));
        DesktopDriver.onFx(() -> {
            ((javafx.scene.control.ToggleButton) desktop.window.scene().lookup("#screen-chat")).fire();
            return null;
        });
    }

    /** The needle lab running a 4 × 5 grid on the bundled haystack, midway and done. */
    private static void needles(DesktopHarness desktop, Path out, String suffix) throws Exception {
        var lab = desktop.window.needles();
        DesktopDriver.onFx(() -> {
            ((javafx.scene.control.ToggleButton) desktop.window.scene().lookup("#screen-needles")).fire();
            lab.minLengthProperty().set(500);
            lab.maxLengthProperty().set(2000);
            lab.lengthsProperty().set(4);
            lab.depthsProperty().set(5);
            lab.start();
            return null;
        });
        DesktopDriver.await("half the cells", 300, () -> lab.cells().size() >= 10);
        Thread.sleep(300);
        snapshot(desktop.window.scene(), out.resolve("needle-lab-" + suffix + ".png"));
        DesktopDriver.await("the run", 300, () -> !lab.busyProperty().get());
        DesktopDriver.onFx(() -> {
            ((javafx.scene.control.ToggleButton) desktop.window.scene().lookup("#screen-chat")).fire();
            return null;
        });
    }

    static void snapshot(Scene scene, Path file) throws Exception {
        BufferedImage image = DesktopDriver.onFx(() -> SwingFXUtils.fromFXImage(scene.snapshot(null), null));
        ImageIO.write(image, "png", file.toFile());
        System.out.println(file);
    }

    /** The open dialog holding {@code selector}, once that node passes {@code ready}. */
    private static Scene dialog(String selector, java.util.function.Predicate<javafx.scene.Node> ready) throws Exception {
        Scene[] found = new Scene[1];
        DesktopDriver.await(selector, 60, () -> {
            for (Window w : Window.getWindows()) {
                javafx.scene.Node n = w.getScene() == null ? null : w.getScene().lookup(selector);
                if (n != null && ready.test(n)) {
                    found[0] = w.getScene();
                    return true;
                }
            }
            return false;
        });
        Thread.sleep(500);
        return found[0];
    }

    private static void cancel(Scene dialog) throws Exception {
        DesktopDriver.onFx(() -> {
            javafx.scene.control.DialogPane pane = (javafx.scene.control.DialogPane) dialog.getRoot();
            ((javafx.scene.control.Button) pane.lookupButton(javafx.scene.control.ButtonType.CANCEL)).fire();
            return null;
        });
        Thread.sleep(300);
    }

    private static void closeWindows() throws Exception {
        DesktopDriver.onFx(() -> {
            List.copyOf(Window.getWindows()).forEach(Window::hide);
            return null;
        });
    }
}
