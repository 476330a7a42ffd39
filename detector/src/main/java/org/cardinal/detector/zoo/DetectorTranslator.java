package org.cardinal.detector.zoo;

import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.output.BoundingBox;
import ai.djl.modality.cv.output.DetectedObjects;
import ai.djl.modality.cv.output.Rectangle;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.translate.Batchifier;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns an {@link Image} into the detector's input and its output into {@link DetectedObjects}.
 *
 * <p>The input is the image as CHW float32 RGB in [0, 1]; normalization, resizing and padding are
 * the model's own transform ({@code GeneralizedRcnnTransform}), so the translator stays the same
 * for every config. The model returns boxes in the original image's pixels (x1, y1, x2, y2);
 * {@link DetectedObjects} holds them as DJL does, relative to the image size (x, y, w, h in
 * [0, 1]), with the class names of the artifact's {@code synset.txt} and the scores as
 * probabilities, highest first.
 *
 * <p>Decode files with {@code ImageDecoder.readImage} to give the model the pixels Cardinal's
 * tools give it (EXIF orientation applied, CMYK JPEGs read; docs/images.md).
 */
public final class DetectorTranslator implements Translator<Image, DetectedObjects> {

    private static final String WIDTH = "width";
    private static final String HEIGHT = "height";

    private final List<String> classNames;

    /** @param classNames names of labels 1..K */
    public DetectorTranslator(List<String> classNames) {
        this.classNames = List.copyOf(classNames);
    }

    @Override
    public NDList processInput(TranslatorContext ctx, Image input) {
        ctx.setAttachment(WIDTH, input.getWidth());
        ctx.setAttachment(HEIGHT, input.getHeight());
        // HWC uint8 RGB -> CHW float32 in [0, 1], created on the model's device by the context's manager
        NDArray hwc = input.toNDArray(ctx.getNDManager(), Image.Flag.COLOR);
        NDArray chw = hwc.transpose(2, 0, 1).toType(DataType.FLOAT32, false).div(255f);
        return new NDList(chw);
    }

    @Override
    public DetectedObjects processOutput(TranslatorContext ctx, NDList list) {
        double w = (Integer) ctx.getAttachment(WIDTH);
        double h = (Integer) ctx.getAttachment(HEIGHT);
        // final results go to the host: a deliberate, single transfer per image
        float[] boxes = list.get(0).toType(DataType.FLOAT32, false).toFloatArray();
        float[] scores = list.get(1).toType(DataType.FLOAT32, false).toFloatArray();
        long[] labels = list.get(2).toType(DataType.INT64, false).toLongArray();
        List<String> names = new ArrayList<>(scores.length);
        List<Double> probs = new ArrayList<>(scores.length);
        List<BoundingBox> rects = new ArrayList<>(scores.length);
        for (int i = 0; i < scores.length; i++) {
            int label = (int) labels[i];
            names.add(label >= 1 && label <= classNames.size() ? classNames.get(label - 1) : "label_" + label);
            probs.add((double) scores[i]);
            double x1 = boxes[4 * i];
            double y1 = boxes[4 * i + 1];
            double x2 = boxes[4 * i + 2];
            double y2 = boxes[4 * i + 3];
            rects.add(new Rectangle(x1 / w, y1 / h, (x2 - x1) / w, (y2 - y1) / h));
        }
        return new DetectedObjects(names, probs, rects);
    }

    /** Images of different sizes are not stacked: the model batches them itself. */
    @Override
    public Batchifier getBatchifier() {
        return null;
    }
}
