package org.cardinal.detector.data;

import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.cardinal.backbone.image.ImageDecoder;

/**
 * A COCO-format detection dataset: an instances JSON file plus the folder holding its images.
 *
 * <p>COCO category ids (any positive integers, not necessarily contiguous) are mapped to
 * contiguous training labels 1..K in increasing id order; 0 is the background, as the detector
 * expects. Boxes are converted from COCO's [x, y, w, h] to x1, y1, x2, y2 in absolute pixels of
 * the stored image. Crowd annotations ({@code iscrowd=1}) are excluded from the training targets
 * (torchvision's reference scripts do the same; COCO evaluation handles crowds itself), and boxes
 * with no area after conversion are dropped. Images without any remaining annotation are kept
 * when {@link Options#keepEmptyImages()} is set (torchvision's {@code CocoDetection} keeps them;
 * they contribute background-only RPN and RoI samples), otherwise skipped.
 *
 * <p>Images are decoded by {@link ImageDecoder} (as every Cardinal path does) into CHW float32 RGB
 * in [0, 1], the detector's input convention, in the frame the annotations were drawn in: upright
 * (EXIF orientation applied) unless the JSON's width and height are those of the stored pixels
 * (see {@link #readImage} and docs/images.md).
 */
public final class CocoDetectionDataset {

    /** Reader options. */
    public record Options(boolean keepEmptyImages) {
        /** torchvision's behaviour: images without annotations are kept. */
        public static Options defaults() {
            return new Options(true);
        }
    }

    /**
     * One image's annotations as host arrays (the dataset index is small; tensors are made per
     * batch on demand).
     *
     * @param id COCO image id
     * @param fileName file name relative to the image folder
     * @param width width from the JSON
     * @param height height from the JSON
     * @param boxes x1,y1,x2,y2 per kept box, flattened (4 * n)
     * @param labels contiguous label 1..K per kept box
     */
    public record ImageEntry(long id, String fileName, int width, int height, float[] boxes, long[] labels) {

        /** Number of kept (non-crowd, non-degenerate) boxes. */
        public int numBoxes() {
            return labels.length;
        }
    }

    private final Path annotationFile;
    private final Path imageDir;
    private final List<ImageEntry> images;
    private final int[] categoryIds; // label - 1 -> category id
    private final Map<Integer, Integer> labelByCategory;
    private final Map<Integer, String> categoryNames;

    private CocoDetectionDataset(
            Path annotationFile,
            Path imageDir,
            List<ImageEntry> images,
            int[] categoryIds,
            Map<Integer, String> categoryNames) {
        this.annotationFile = annotationFile;
        this.imageDir = imageDir;
        this.images = List.copyOf(images);
        this.categoryIds = categoryIds;
        this.categoryNames = Collections.unmodifiableMap(categoryNames);
        Map<Integer, Integer> byCat = new TreeMap<>();
        for (int i = 0; i < categoryIds.length; i++) {
            byCat.put(categoryIds[i], i + 1);
        }
        this.labelByCategory = Collections.unmodifiableMap(byCat);
    }

    /**
     * Reads an instances file and checks that the image folder exists.
     *
     * @param annotationFile COCO instances JSON
     * @param imageDir folder holding the images named by {@code file_name}
     * @param options reader options
     * @return the dataset
     * @throws IOException if the file cannot be read, with the file, record and field named
     */
    public static CocoDetectionDataset load(Path annotationFile, Path imageDir, Options options) throws IOException {
        if (!Files.isRegularFile(annotationFile)) {
            throw new IOException("annotation file not found: " + annotationFile);
        }
        if (!Files.isDirectory(imageDir)) {
            throw new IOException("image folder not found: " + imageDir + " (for annotations " + annotationFile + ")");
        }
        CocoInstancesReader.Parsed parsed = CocoInstancesReader.read(annotationFile);
        int[] catIds = parsed.categoryNames().keySet().stream()
                .mapToInt(Integer::intValue)
                .toArray();
        Arrays.sort(catIds);
        Map<Integer, Integer> labelOf = new TreeMap<>();
        for (int i = 0; i < catIds.length; i++) {
            labelOf.put(catIds[i], i + 1);
        }
        List<ImageEntry> entries = new ArrayList<>();
        for (CocoInstancesReader.RawImage img : parsed.images()) {
            List<CocoInstancesReader.RawAnnotation> anns = parsed.annotationsOf(img.id());
            float[] boxes = new float[anns.size() * 4];
            long[] labels = new long[anns.size()];
            int n = 0;
            for (CocoInstancesReader.RawAnnotation a : anns) {
                if (a.iscrowd()) {
                    continue;
                }
                Integer label = labelOf.get(a.categoryId());
                if (label == null) {
                    throw new IOException(annotationFile + ": annotation " + a.id() + " has category_id "
                            + a.categoryId() + " which is not in \"categories\"");
                }
                float x1 = (float) a.x();
                float y1 = (float) a.y();
                float x2 = (float) (a.x() + a.w());
                float y2 = (float) (a.y() + a.h());
                // Degenerate boxes would make the box coder divide by zero (log of 0 width).
                if (!(x2 > x1 && y2 > y1)) {
                    continue;
                }
                boxes[4 * n] = x1;
                boxes[4 * n + 1] = y1;
                boxes[4 * n + 2] = x2;
                boxes[4 * n + 3] = y2;
                labels[n] = label;
                n++;
            }
            if (n == 0 && !options.keepEmptyImages()) {
                continue;
            }
            entries.add(new ImageEntry(
                    img.id(),
                    img.fileName(),
                    img.width(),
                    img.height(),
                    Arrays.copyOf(boxes, 4 * n),
                    Arrays.copyOf(labels, n)));
        }
        return new CocoDetectionDataset(annotationFile, imageDir, entries, catIds, parsed.categoryNames());
    }

    /** Number of images. */
    public int size() {
        return images.size();
    }

    /** The annotations of image {@code index} (0-based position, not the COCO id). */
    public ImageEntry entry(int index) {
        return images.get(index);
    }

    /** Number of object classes K (labels are 1..K). */
    public int numClasses() {
        return categoryIds.length;
    }

    /** COCO category ids in label order: element {@code label - 1} is the label's category. */
    public int[] categoryIds() {
        return categoryIds.clone();
    }

    /** Category names by COCO id. */
    public Map<Integer, String> categoryNames() {
        return categoryNames;
    }

    /**
     * The contiguous label of a COCO category id.
     *
     * @throws IllegalArgumentException for an id not in the file
     */
    public int labelOf(int categoryId) {
        Integer l = labelByCategory.get(categoryId);
        if (l == null) {
            throw new IllegalArgumentException("category id " + categoryId + " is not in " + annotationFile);
        }
        return l;
    }

    /** The COCO category id of a contiguous label 1..K. */
    public int categoryIdOf(int label) {
        if (label < 1 || label > categoryIds.length) {
            throw new IllegalArgumentException("label " + label + " outside 1.." + categoryIds.length);
        }
        return categoryIds[label - 1];
    }

    /** The instances file this dataset was read from. */
    public Path annotationFile() {
        return annotationFile;
    }

    /** The image folder. */
    public Path imageDir() {
        return imageDir;
    }

    /**
     * Decodes one image in the frame of its annotations: upright, as a viewer shows it, unless
     * its EXIF orientation turns it by 90 degrees and the JSON's width and height are those of
     * the pixels as stored (then the boxes were drawn on those, as PIL reads them). Training and
     * {@code tools/evaluate} both read images through here, so they see the same pixels.
     *
     * @throws IOException naming the file (and the image id) when it is missing or undecodable
     */
    public Image readImage(int index) throws IOException {
        ImageEntry e = images.get(index);
        Path file = imageDir.resolve(e.fileName());
        if (!Files.isRegularFile(file)) {
            throw new IOException(
                    "image file not found: " + file + " (image id " + e.id() + " in " + annotationFile + ")");
        }
        return ImageDecoder.toImage(ImageDecoder.decode(file).matching(e.width(), e.height()));
    }

    /**
     * Decodes one image and builds its sample on {@code manager} (CPU tensors; the trainer moves
     * them to the model's device).
     *
     * @param index position in the dataset
     * @param manager owner of the returned arrays
     * @param flip whether to mirror the image and its boxes horizontally
     * @return image (3,H,W) float32 RGB in [0,1], boxes (N,4), labels (N)
     * @throws IOException when the image file is missing or cannot be decoded
     */
    public DetectionSample sample(int index, NDManager manager, boolean flip) throws IOException {
        ImageEntry e = images.get(index);
        Image image = readImage(index);
        NDArray chw;
        try (NDManager scratch = manager.newSubManager()) {
            NDArray hwc = image.toNDArray(scratch, Image.Flag.COLOR);
            chw = hwc.transpose(2, 0, 1).toType(DataType.FLOAT32, false).div(255f);
            chw.attach(manager);
        }
        int h = (int) chw.getShape().get(1);
        int w = (int) chw.getShape().get(2);
        float[] boxes = e.boxes();
        if (flip) {
            NDArray flipped = HorizontalFlip.flipImage(chw);
            chw.close();
            chw = flipped;
            boxes = HorizontalFlip.flipBoxes(boxes, w);
        }
        NDArray boxArray = manager.create(boxes, new ai.djl.ndarray.types.Shape(e.numBoxes(), 4));
        NDArray labelArray = manager.create(e.labels());
        return new DetectionSample(e.id(), chw, boxArray, labelArray, h, w, flip);
    }
}
