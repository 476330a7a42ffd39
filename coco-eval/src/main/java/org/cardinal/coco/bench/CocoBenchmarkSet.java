package org.cardinal.coco.bench;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Writes a synthetic COCO ground truth and results pair shaped like a COCO val2017 evaluation,
 * for benchmarking evaluators: by default 5000 images, 80 categories with COCO-like sparse ids,
 * about 33k ground-truth boxes (1 to 12 per image, 1% crowd, mask-like {@code area} below
 * width*height) and exactly 100 detections per image (500k): jittered copies of the ground
 * truth of varying quality, some with the wrong category, plus background boxes. Boxes have two
 * decimals and scores three, so score ties are common, as in rounded real results files.
 *
 * <p>The same seed gives the same files byte for byte. {@code
 * org.cardinal.tools.GenerateCocoBenchmarkSet} writes them into a folder, atomically.
 */
public final class CocoBenchmarkSet {
    private final int numImages;
    private final int numCategories;
    private final int detsPerImage;
    private final long seed;

    public CocoBenchmarkSet(int numImages, int numCategories, int detsPerImage, long seed) {
        if (numImages < 1 || numCategories < 1 || detsPerImage < 0) {
            throw new IllegalArgumentException("need at least one image and category, and dets >= 0");
        }
        this.numImages = numImages;
        this.numCategories = numCategories;
        this.detsPerImage = detsPerImage;
        this.seed = seed;
    }

    /** COCO-like sparse category ids: 1, 2, ... skipping multiples of 9. */
    static int categoryId(int k) {
        return k + 1 + k / 8;
    }

    /**
     * Writes the pair; the streams stay open.
     *
     * @param gtOut receives the ground truth (COCO instances JSON)
     * @param dtOut receives the results (COCO results JSON)
     * @throws IOException if writing fails
     */
    public void write(OutputStream gtOut, OutputStream dtOut) throws IOException {
        SplittableRandom rng = new SplittableRandom(seed);
        Json gt = new Json(gtOut);
        Json dt = new Json(dtOut);
        gt.raw("{\"info\": {\"description\": \"Cardinal synthetic benchmark set\"}, \"licenses\": [], \"images\": [");
        for (int i = 0; i < numImages; i++) {
            int[] size = SIZES[i % SIZES.length];
            gt.raw(i == 0 ? "{\"id\": " : ", {\"id\": ")
                    .num(imageId(i))
                    .raw(", \"width\": ")
                    .num(size[0])
                    .raw(", \"height\": ")
                    .num(size[1])
                    .raw(", \"file_name\": \"")
                    .num(imageId(i))
                    .raw(".jpg\"}");
        }
        gt.raw("], \"annotations\": [");
        dt.raw("[");
        long annId = 1;
        boolean firstAnn = true;
        boolean firstDet = true;
        double[] boxes = new double[4 * 12];
        int[] cats = new int[12];
        for (int i = 0; i < numImages; i++) {
            int[] size = SIZES[i % SIZES.length];
            int w = size[0];
            int h = size[1];
            int numGt = 1 + rng.nextInt(12);
            int[] present = {rng.nextInt(numCategories), rng.nextInt(numCategories), rng.nextInt(numCategories)};
            for (int g = 0; g < numGt; g++) {
                randomBox(rng, w, h, boxes, 4 * g);
                cats[g] = present[rng.nextInt(present.length)];
                boolean crowd = rng.nextDouble() < 0.01;
                double area =
                        hundredths(boxes[4 * g + 2] * boxes[4 * g + 3] * (crowd ? 0.8 : 0.5 + 0.45 * rng.nextDouble()));
                gt.raw(firstAnn ? "{\"id\": " : ", {\"id\": ")
                        .num(annId++)
                        .raw(", \"image_id\": ")
                        .num(imageId(i))
                        .raw(", \"category_id\": ")
                        .num(categoryId(cats[g]))
                        .raw(", \"bbox\": ")
                        .box(boxes, 4 * g)
                        .raw(", \"area\": ")
                        .fixed(area, 2)
                        .raw(", \"iscrowd\": ")
                        .num(crowd ? 1 : 0)
                        .raw("}");
                firstAnn = false;
            }
            double[] d = new double[4];
            for (int j = 0; j < detsPerImage; j++) {
                int category;
                double score;
                if (j < 3 * numGt && rng.nextDouble() < 0.8) {
                    int g = j % numGt;
                    double noise = NOISE[rng.nextInt(NOISE.length)];
                    jitter(rng, boxes, 4 * g, noise, w, h, d);
                    category = rng.nextDouble() < 0.9 ? cats[g] : rng.nextInt(numCategories);
                    score = Math.sqrt(rng.nextDouble());
                } else {
                    randomBox(rng, w, h, d, 0);
                    category =
                            rng.nextDouble() < 0.5 ? present[rng.nextInt(present.length)] : rng.nextInt(numCategories);
                    score = Math.pow(rng.nextDouble(), 2);
                }
                dt.raw(firstDet ? "{\"image_id\": " : ", {\"image_id\": ")
                        .num(imageId(i))
                        .raw(", \"category_id\": ")
                        .num(categoryId(category))
                        .raw(", \"bbox\": ")
                        .box(d, 0)
                        .raw(", \"score\": ")
                        .fixed(Math.round(score * 1000) / 1000.0, 3)
                        .raw("}");
                firstDet = false;
            }
        }
        gt.raw("], \"categories\": [");
        for (int k = 0; k < numCategories; k++) {
            gt.raw(k == 0 ? "{\"id\": " : ", {\"id\": ")
                    .num(categoryId(k))
                    .raw(", \"name\": \"class")
                    .num(categoryId(k))
                    .raw("\", \"supercategory\": \"thing\"}");
        }
        gt.raw("]}\n");
        dt.raw("]\n");
        gt.flush();
        dt.flush();
    }

    private static final int[][] SIZES = {{640, 480}, {480, 640}, {640, 427}, {500, 375}, {640, 640}, {612, 612}};
    private static final double[] NOISE = {0.02, 0.05, 0.1, 0.2, 0.4};

    private static long imageId(int i) {
        return 139 + 37L * i;
    }

    private static double hundredths(double v) {
        return Math.round(v * 100) / 100.0;
    }

    /** A box whose side is log-uniform in 6..400 px, so all three area ranges are populated. */
    private static void randomBox(SplittableRandom rng, int w, int h, double[] out, int o) {
        double side = Math.exp(Math.log(6) + rng.nextDouble() * (Math.log(400) - Math.log(6)));
        double aspect = Math.exp((rng.nextDouble() - 0.5) * 1.4);
        double bw = Math.min(w - 1, side * aspect);
        double bh = Math.min(h - 1, side / aspect);
        out[o] = hundredths(rng.nextDouble() * (w - bw));
        out[o + 1] = hundredths(rng.nextDouble() * (h - bh));
        out[o + 2] = hundredths(bw);
        out[o + 3] = hundredths(bh);
    }

    private static void jitter(SplittableRandom rng, double[] b, int o, double noise, int w, int h, double[] out) {
        double bw = b[o + 2];
        double bh = b[o + 3];
        double x = b[o] + (rng.nextDouble() * 2 - 1) * noise * bw;
        double y = b[o + 1] + (rng.nextDouble() * 2 - 1) * noise * bh;
        double nw = Math.max(1, bw * (1 + (rng.nextDouble() * 2 - 1) * noise));
        double nh = Math.max(1, bh * (1 + (rng.nextDouble() * 2 - 1) * noise));
        out[0] = hundredths(Math.max(0, x));
        out[1] = hundredths(Math.max(0, y));
        out[2] = hundredths(Math.min(nw, w));
        out[3] = hundredths(Math.min(nh, h));
    }

    /** A minimal JSON text writer: the generator's output is fixed, so no general encoder is needed. */
    private static final class Json {
        private final OutputStream out;

        Json(OutputStream out) {
            this.out = new BufferedOutputStream(out, 1 << 16);
        }

        Json raw(String s) throws IOException {
            out.write(s.getBytes(StandardCharsets.US_ASCII));
            return this;
        }

        Json num(long v) throws IOException {
            return raw(Long.toString(v));
        }

        /** v with exactly {@code digits} decimals, from its rounded integer multiple (exact text). */
        Json fixed(double v, int digits) throws IOException {
            long scale = digits == 2 ? 100 : 1000;
            long n = Math.round(v * scale);
            String frac = Long.toString(Math.abs(n) % scale);
            while (frac.length() < digits) {
                frac = "0" + frac;
            }
            return raw((n < 0 ? "-" : "") + Math.abs(n) / scale + "." + frac);
        }

        Json box(double[] b, int o) throws IOException {
            return raw("[").fixed(b[o], 2)
                    .raw(", ")
                    .fixed(b[o + 1], 2)
                    .raw(", ")
                    .fixed(b[o + 2], 2)
                    .raw(", ")
                    .fixed(b[o + 3], 2)
                    .raw("]");
        }

        void flush() throws IOException {
            out.flush();
        }
    }
}
