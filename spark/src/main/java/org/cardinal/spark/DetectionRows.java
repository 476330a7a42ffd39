package org.cardinal.spark;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.cardinal.detector.results.CocoDetection;

/**
 * The Parquet table of detections, one row per detection: {@code image_path} (fully qualified),
 * {@code image_id}, {@code file_name}, {@code rank} (0 for the image's highest score, in the
 * model's order, which is also the order in detections.json), {@code category_id} (COCO),
 * {@code category} (class name), {@code score}, and the box {@code x}, {@code y}, {@code width},
 * {@code height} in the image's pixels (COCO's [x, y, w, h]); scores and boxes as float32.
 */
final class DetectionRows {

    /** The table's schema. */
    static final StructType SCHEMA = new StructType()
            .add("image_path", DataTypes.StringType, false)
            .add("image_id", DataTypes.LongType, false)
            .add("file_name", DataTypes.StringType, false)
            .add("rank", DataTypes.IntegerType, false)
            .add("category_id", DataTypes.IntegerType, false)
            .add("category", DataTypes.StringType, false)
            .add("score", DataTypes.FloatType, false)
            .add("x", DataTypes.FloatType, false)
            .add("y", DataTypes.FloatType, false)
            .add("width", DataTypes.FloatType, false)
            .add("height", DataTypes.FloatType, false);

    private DetectionRows() {}

    /** The rows of one image's detections (none for an image that could not be read). */
    static Iterator<Row> of(ImageResult image) {
        List<Row> rows = new ArrayList<>(image.detections().size());
        ImageRef ref = image.ref();
        int rank = 0;
        for (CocoDetection d : image.detections()) {
            rows.add(RowFactory.create(
                    ref.path(),
                    ref.imageId(),
                    ref.fileName(),
                    rank++,
                    d.categoryId(),
                    d.className(),
                    d.score(),
                    d.x(),
                    d.y(),
                    d.width(),
                    d.height()));
        }
        return rows.iterator();
    }
}
