package org.cardinal.backbone.pretrain;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * The run's metrics as JSON lines ({@code metrics.jsonl}, one object per line, flushed at once so
 * a crash loses nothing already logged) and their curves ({@code curves.png}).
 *
 * <p>Records carry {@code "type"}: {@code "train"} (step, epoch, lr, loss, top1, images_per_s) or
 * {@code "val"} (step, epoch, loss, top1, top5, images). When a run resumes from a checkpoint
 * taken at step {@code s}, lines after {@code s} are dropped so the log matches the resumed state.
 */
public final class MetricsLog implements AutoCloseable {
    private final Path file;
    private final List<JsonObject> records = new ArrayList<>();
    private final BufferedWriter out;

    /**
     * Opens (or continues) a log.
     *
     * @param keepUpToStep keep existing records with {@code step <= keepUpToStep}; -1 starts afresh
     */
    public MetricsLog(Path file, long keepUpToStep) throws IOException {
        this.file = file;
        if (keepUpToStep >= 0 && Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                JsonElement e;
                try {
                    e = JsonParser.parseString(line);
                } catch (RuntimeException ex) {
                    continue; // a line cut short by a crash
                }
                if (e.isJsonObject() && e.getAsJsonObject().has("step")
                        && e.getAsJsonObject().get("step").getAsLong() <= keepUpToStep) {
                    records.add(e.getAsJsonObject());
                }
            }
        }
        // Rewrite the kept part atomically, then append.
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".metrics", ".tmp");
        StringBuilder sb = new StringBuilder();
        for (JsonObject r : records) {
            sb.append(r).append('\n');
        }
        Files.writeString(tmp, sb, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }

    /** Appends one record and flushes it. */
    public void log(JsonObject record) throws IOException {
        records.add(record);
        out.write(record.toString());
        out.write('\n');
        out.flush();
    }

    /** All records so far (including those kept from before a resume). */
    public List<JsonObject> records() {
        return List.copyOf(records);
    }

    /** Draws loss and accuracy against epoch into a PNG, written atomically. */
    public void writeCurves(Path png) throws IOException {
        List<double[]> train = new ArrayList<>();
        List<double[]> val = new ArrayList<>();
        for (JsonObject r : records) {
            String type = r.get("type").getAsString();
            double epoch = r.get("epoch_progress").getAsDouble();
            if (type.equals("train")) {
                train.add(new double[] {epoch, r.get("loss").getAsDouble(), 100 * r.get("top1").getAsDouble()});
            } else if (type.equals("val")) {
                val.add(new double[] {epoch, r.get("loss").getAsDouble(), 100 * r.get("top1").getAsDouble(),
                    100 * r.get("top5").getAsDouble()});
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
        Path tmp = Files.createTempFile(png.toAbsolutePath().getParent(), ".curves", ".png.tmp");
        try {
            ImageIO.write(img, "png", tmp.toFile());
            Files.move(tmp, png, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static double[] column(List<double[]> rows, int c) {
        return rows.stream().mapToDouble(r -> r[c]).toArray();
    }

    /** The log file. */
    public Path file() {
        return file;
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
