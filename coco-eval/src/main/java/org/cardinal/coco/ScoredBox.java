package org.cardinal.coco;

/**
 * One detection of one image, as in a COCO results file: category id, box
 * {@code [x, y, width, height]} in absolute pixels of the original image (x, y = top-left
 * corner), and a confidence score (higher is more confident).
 *
 * <p>A detector producing x1, y1, x2, y2 boxes converts with {@link #fromCorners}.
 */
public record ScoredBox(int categoryId, double x, double y, double width, double height, double score) {
    /** A detection from corner coordinates x1, y1 (top-left) and x2, y2 (bottom-right). */
    public static ScoredBox fromCorners(int categoryId, double x1, double y1, double x2, double y2, double score) {
        return new ScoredBox(categoryId, x1, y1, x2 - x1, y2 - y1, score);
    }
}
