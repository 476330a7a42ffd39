package org.cardinal.backbone.pretrain;

import com.google.gson.JsonObject;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.cardinal.core.io.AtomicFiles;
import org.cardinal.core.train.LineChart;

/**
 * A pretraining run's {@code curves.png}: loss and accuracy against epoch, train and val, drawn
 * from the records of its metrics log ({@code "train"} and {@code "val"} records with {@code
 * epoch_progress}, {@code loss}, {@code top1} and, for val, {@code top5}).
 */
final class PretrainCurves {
    private PretrainCurves() {}

    /** Draws loss and accuracy against epoch into a PNG, written atomically. */
    static void write(List<JsonObject> records, Path png) throws IOException {
        List<double[]> train = new ArrayList<>();
        List<double[]> val = new ArrayList<>();
        for (JsonObject r : records) {
            String type = r.get("type").getAsString();
            double epoch = r.get("epoch_progress").getAsDouble();
            if (type.equals("train")) {
                train.add(new double[] {
                    epoch, r.get("loss").getAsDouble(), 100 * r.get("top1").getAsDouble()
                });
            } else if (type.equals("val")) {
                val.add(new double[] {
                    epoch,
                    r.get("loss").getAsDouble(),
                    100 * r.get("top1").getAsDouble(),
                    100 * r.get("top5").getAsDouble()
                });
            }
        }
        LineChart loss = new LineChart("Loss", "epoch", "cross-entropy")
                .add("train", column(train, 0), column(train, 1))
                .add("val", column(val, 0), column(val, 1));
        LineChart acc = new LineChart("Accuracy", "epoch", "%")
                .add("train top-1", column(train, 0), column(train, 2))
                .add("val top-1", column(val, 0), column(val, 2))
                .add("val top-5", column(val, 0), column(val, 3));
        BufferedImage img = new BufferedImage(1200, 450, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        loss.draw(g, 0, 0, 600, 450);
        acc.draw(g, 600, 0, 600, 450);
        g.dispose();
        AtomicFiles.write(png, out -> ImageIO.write(img, "png", out));
    }

    private static double[] column(List<double[]> rows, int c) {
        return rows.stream().mapToDouble(r -> r[c]).toArray();
    }
}
