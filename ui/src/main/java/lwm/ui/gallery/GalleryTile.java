package lwm.ui.gallery;

import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.scene.image.Image;
import lwm.app.store.GalleryItem;

/**
 * One cell of the gallery grid: the stored item, its thumbnail (the first frame), and while it is being generated the
 * newest preview and how many of its 16 code rows are final.
 */
public final class GalleryTile {
    private final ObjectProperty<GalleryItem> item = new SimpleObjectProperty<>();
    private final ObjectProperty<Image> image = new SimpleObjectProperty<>();
    private final IntegerProperty rows = new SimpleIntegerProperty(16);
    private final IntegerProperty frame = new SimpleIntegerProperty();

    GalleryTile(GalleryItem item) {
        this.item.set(item);
    }

    public ObjectProperty<GalleryItem> itemProperty() {
        return item;
    }

    public GalleryItem item() {
        return item.get();
    }

    public ObjectProperty<Image> imageProperty() {
        return image;
    }

    /** Code rows of the shown frame that are final (16 for a finished frame). */
    public IntegerProperty rowsProperty() {
        return rows;
    }

    /** The frame the shown image is (the newest, while generating). */
    public IntegerProperty frameProperty() {
        return frame;
    }
}
