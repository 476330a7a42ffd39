package org.cardinal.tools;

import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.cardinal.backbone.Norm;
import org.cardinal.backbone.image.ImageDecoder;
import org.cardinal.backbone.pretrain.ClassificationTransform;
import org.cardinal.backbone.spi.BackboneSpec;
import org.cardinal.backbone.spi.BuildOptions;
import org.cardinal.backbone.spi.FeatureExtractor;
import org.cardinal.backbone.spi.FeatureShape;
import org.cardinal.backbone.weights.LoadReport;
import org.cardinal.backbone.weights.Npy;
import org.cardinal.backbone.weights.StateDict;
import org.cardinal.backbone.weights.StateDicts;
import org.cardinal.backbone.weights.TensorDType;
import org.cardinal.backbone.weights.TensorData;
import org.cardinal.core.cli.Cli;
import org.cardinal.core.cli.ToolOptions;
import org.cardinal.core.io.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tools/backbone-features}: runs a backbone's classifier (any registered type) with imported torchvision
 * weights on a tensor or an image and reports the logits and, per stage C2..C5, the output shape
 * and the per-channel mean, so the numbers can be compared with torchvision's.
 */
public final class BackboneFeatures {

    /** The options of {@code tools/backbone-features}. */
    @Command(name = "tools/backbone-features", description = "Runs a backbone on one input; give --input or --image.")
    static final class Options extends ToolOptions {
        @Option(
                names = "--arch",
                required = true,
                paramLabel = "NAME|CONFIG.json",
                description = "a shipped architecture (configs/backbones/NAME.json) or a backbone config file, of any"
                        + " backbone type on the class path; num_classes follows the weights' fc layer")
        String arch;

        @Option(
                names = "--weights",
                required = true,
                paramLabel = "FILE",
                description = "torchvision state_dict: .pth (PyTorch zip, read without executing anything) or"
                        + " .safetensors")
        Path weights;

        @Option(
                names = "--input",
                paramLabel = "X.npy",
                description = "NCHW float32 .npy tensor, already normalized (C order)")
        Path input;

        @Option(
                names = "--image",
                paramLabel = "FILE",
                description = "an image file, preprocessed as torchvision's ImageNet eval transform: Resize(256)"
                        + " bilinear, CenterCrop(224), ToTensor, Normalize(ImageNet mean/std)")
        Path image;

        @Option(
                names = "--json",
                paramLabel = "OUT",
                description = "write {\"logits\": [[...] per sample], \"stages\": {\"C2\": {\"shape\": [...],"
                        + " \"channel_mean\": [...]}, ...}} to OUT (atomically)")
        Path json;

        @Option(
                names = "--export",
                paramLabel = "FILE",
                description = "also write the loaded weights back out (.pth or .safetensors), e.g. to convert formats")
        Path export;
    }

    private BackboneFeatures() {}

    /**
     * Entry point.
     *
     * @param argv command-line arguments
     */
    public static void main(String[] argv) {
        Cli.run(new Options(), argv, args -> {
            String arch = args.arch;
            Path weights = args.weights;
            Path input = args.input;
            Path image = args.image;
            Path json = args.json;
            Path export = args.export;
            if ((input == null) == (image == null)) {
                throw new IllegalArgumentException("give exactly one of --input X.npy or --image FILE");
            }
            StateDict sd = StateDict.read(weights);
            BackboneSpec cfg = withClassesOf(ModelInfo.resolve(arch), sd);
            try (NDManager manager = NDManager.newBaseManager()) {
                NDArray x = input != null ? readInput(input, manager) : readImage(image, manager);
                FeatureExtractor net = cfg.build(BuildOptions.classifier(Norm.BATCH));
                net.initialize(manager, DataType.FLOAT32, x.getShape());
                LoadReport report = StateDicts.load(net, sd, "", true);
                NDList out = net.forward(new ParameterStore(manager, false), new NDList(x), false);
                JsonObject result = toJson(cfg, weights, x.getShape(), out);
                printSummary(cfg, report, result);
                if (json != null) {
                    byte[] text = (new GsonBuilder().create().toJson(result) + "\n").getBytes(StandardCharsets.UTF_8);
                    AtomicFiles.write(json, text);
                    System.out.println("wrote " + json);
                }
                if (export != null) {
                    StateDicts.export(net).write(export);
                    System.out.println("wrote " + export);
                }
            }
        });
    }

    /** The config with num_classes taken from the weights' fc.weight, so any classifier head loads. */
    static BackboneSpec withClassesOf(BackboneSpec cfg, StateDict sd) {
        TensorData fc = sd.get("fc.weight");
        if (fc != null && fc.shape().length == 2 && fc.shape()[0] != cfg.numClasses()) {
            return cfg.withNumClasses(Math.toIntExact(fc.shape()[0]));
        }
        return cfg;
    }

    static NDArray readInput(Path file, NDManager manager) throws IOException {
        TensorData t = Npy.read(file);
        if (t.dtype() != TensorDType.F32) {
            throw new IllegalArgumentException(
                    file + ": dtype " + t.dtype() + " but --input must be float32 (np.float32, descr '<f4')");
        }
        long[] s = t.shape();
        if (s.length != 4 || s[1] != 3 || s[0] < 1 || s[2] < 1 || s[3] < 1) {
            throw new IllegalArgumentException(file + ": shape " + Arrays.toString(s)
                    + " but --input must be NCHW with 3 channels, e.g. [1, 3, 224, 224]");
        }
        return t.toNDArray(manager);
    }

    /**
     * Decodes with {@link ImageDecoder} (PIL's pixels, but upright: EXIF orientation applied, see
     * docs/images.md) and applies torchvision's ImageNet eval transform with PIL's exact resampling
     * (see {@link PilBilinear}): Resize(256) of the shorter side, CenterCrop(224), ToTensor, Normalize.
     * The pixels go to the host on purpose: the transform is integer arithmetic in plain Java.
     */
    static NDArray readImage(Path file, NDManager manager) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + ": no such image file");
        }
        Image img;
        try {
            img = ImageDecoder.readImage(file);
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage()); // names the file and why
        }
        int w = img.getWidth();
        int h = img.getHeight();
        int[][] planes = new int[3][w * h];
        try (NDManager tmp = manager.newSubManager()) {
            byte[] px = img.toNDArray(tmp, Image.Flag.COLOR)
                    .toType(DataType.UINT8, false)
                    .toByteArray(); // HWC RGB
            for (int i = 0; i < w * h; i++) {
                for (int c = 0; c < 3; c++) {
                    planes[c][i] = px[3 * i + c] & 0xff;
                }
            }
        }
        return manager.create(imageNetEval(planes, w, h, 256, 224), new Shape(1, 3, 224, 224));
    }

    /** torchvision's Resize(resize) + CenterCrop(crop) + ToTensor + Normalize on 8-bit RGB planes -> CHW. */
    static float[] imageNetEval(int[][] planes, int w, int h, int resize, int crop) {
        // Resize(int): the shorter side becomes `resize`, the longer one int(resize * long / short).
        int nw = w <= h ? resize : (int) ((long) resize * w / h);
        int nh = w <= h ? (int) ((long) resize * h / w) : resize;
        if (nw < crop || nh < crop) {
            throw new IllegalArgumentException("image of " + w + "x" + h + " is too small to crop " + crop);
        }
        int top = (int) Math.rint((nh - crop) / 2.0); // Python's round(): halves to even
        int left = (int) Math.rint((nw - crop) / 2.0);
        float[] out = new float[3 * crop * crop];
        for (int c = 0; c < 3; c++) {
            int[] r = PilBilinear.resize(planes[c], w, h, nw, nh);
            float mean = ClassificationTransform.IMAGENET_MEAN[c];
            float std = ClassificationTransform.IMAGENET_STD[c];
            for (int y = 0; y < crop; y++) {
                for (int x = 0; x < crop; x++) {
                    out[c * crop * crop + y * crop + x] = (r[(y + top) * nw + x + left] / 255f - mean) / std;
                }
            }
        }
        return out;
    }

    /**
     * Pillow's {@code Image.resize(size, BILINEAR)} for one 8-bit channel, bit for bit: a triangle
     * filter widened by the scale factor when shrinking (antialiasing), 22-bit fixed-point
     * coefficients, a horizontal pass rounded to 8 bits, then a vertical pass (Pillow's
     * libImaging/Resample.c). Java2D or OpenCV bilinear differ by several grey levels on a shrink.
     */
    static final class PilBilinear {
        private static final int PRECISION_BITS = 32 - 8 - 2;

        private PilBilinear() {}

        static int[] resize(int[] in, int w, int h, int nw, int nh) {
            int[] cur = in;
            int curW = w;
            int curH = h;
            Coeffs ycoef = new Coeffs(h, nh);
            if (nw != w) {
                // Only the rows the vertical pass will read, as Pillow does.
                int first = ycoef.bounds[0];
                int last = ycoef.bounds[2 * (nh - 1)] + ycoef.bounds[2 * (nh - 1) + 1];
                Coeffs xc = new Coeffs(w, nw);
                int rows = last - first;
                int[] tmp = new int[nw * rows];
                for (int y = 0; y < rows; y++) {
                    for (int x = 0; x < nw; x++) {
                        int xmin = xc.bounds[2 * x];
                        int xmax = xc.bounds[2 * x + 1];
                        long ss = 1L << (PRECISION_BITS - 1);
                        for (int k = 0; k < xmax; k++) {
                            ss += (long) in[(y + first) * w + xmin + k] * xc.kk[x * xc.ksize + k];
                        }
                        tmp[y * nw + x] = clip8(ss);
                    }
                }
                for (int y = 0; y < nh; y++) {
                    ycoef.bounds[2 * y] -= first;
                }
                cur = tmp;
                curW = nw;
                curH = rows;
            }
            if (nh == h) {
                return cur;
            }
            int[] out = new int[nw * nh];
            for (int y = 0; y < nh; y++) {
                int ymin = ycoef.bounds[2 * y];
                int ymax = ycoef.bounds[2 * y + 1];
                for (int x = 0; x < curW; x++) {
                    long ss = 1L << (PRECISION_BITS - 1);
                    for (int k = 0; k < ymax && ymin + k < curH; k++) {
                        ss += (long) cur[(ymin + k) * curW + x] * ycoef.kk[y * ycoef.ksize + k];
                    }
                    out[y * nw + x] = clip8(ss);
                }
            }
            return out;
        }

        private static int clip8(long ss) {
            long v = ss >> PRECISION_BITS;
            return v < 0 ? 0 : v > 255 ? 255 : (int) v;
        }

        /** Pillow's precompute_coeffs + normalize_coeffs_8bpc for the bilinear filter (support 1). */
        private static final class Coeffs {
            final int ksize;
            final int[] bounds;
            final int[] kk;

            Coeffs(int inSize, int outSize) {
                double scale = (double) inSize / outSize;
                double filterscale = Math.max(scale, 1.0);
                double support = 1.0 * filterscale;
                ksize = (int) Math.ceil(support) * 2 + 1;
                bounds = new int[outSize * 2];
                kk = new int[outSize * ksize];
                double[] k = new double[ksize];
                for (int xx = 0; xx < outSize; xx++) {
                    double center = (xx + 0.5) * scale;
                    double ss = 1.0 / filterscale;
                    int xmin = Math.max((int) (center - support + 0.5), 0);
                    int xmax = Math.min((int) (center + support + 0.5), inSize) - xmin;
                    double ww = 0;
                    for (int x = 0; x < xmax; x++) {
                        double t = Math.abs((x + xmin - center + 0.5) * ss);
                        k[x] = t < 1.0 ? 1.0 - t : 0.0;
                        ww += k[x];
                    }
                    for (int x = 0; x < ksize; x++) {
                        double v = x < xmax && ww != 0.0 ? k[x] / ww : 0.0;
                        kk[xx * ksize + x] =
                                (int) (v < 0 ? -0.5 + v * (1 << PRECISION_BITS) : 0.5 + v * (1 << PRECISION_BITS));
                    }
                    bounds[2 * xx] = xmin;
                    bounds[2 * xx + 1] = xmax;
                }
            }
        }
    }

    /** Logits and per-stage summaries; copies them to the host (the report is host data). */
    static JsonObject toJson(BackboneSpec cfg, Path weights, Shape inputShape, NDList out) {
        JsonObject root = new JsonObject();
        root.addProperty("arch", cfg.name());
        root.addProperty("weights", weights.toString());
        root.add("input_shape", longs(inputShape.getShape()));
        List<String> names =
                cfg.featureShapes().stream().map(FeatureShape::name).toList();
        NDArray logits = out.get(names.size());
        long n = logits.getShape().get(0);
        long k = logits.getShape().get(1);
        float[] lv = logits.toFloatArray();
        JsonArray all = new JsonArray();
        for (int i = 0; i < n; i++) {
            JsonArray row = new JsonArray();
            for (int j = 0; j < k; j++) {
                row.add(lv[(int) (i * k + j)]);
            }
            all.add(row);
        }
        root.add("logits", all);
        JsonObject stages = new JsonObject();
        for (int s = 0; s < names.size(); s++) {
            NDArray c = out.get(s);
            JsonObject st = new JsonObject();
            st.add("shape", longs(c.getShape().getShape()));
            JsonArray mean = new JsonArray();
            // PyTorch's DJL engine reduces one axis at a time; equal-sized groups keep it the global mean.
            for (float v : c.mean(new int[] {3})
                    .mean(new int[] {2})
                    .mean(new int[] {0})
                    .toFloatArray()) {
                mean.add(v);
            }
            st.add("channel_mean", mean);
            stages.add(names.get(s), st);
        }
        root.add("stages", stages);
        return root;
    }

    private static JsonArray longs(long[] values) {
        JsonArray a = new JsonArray();
        for (long v : values) {
            a.add(v);
        }
        return a;
    }

    private static void printSummary(BackboneSpec cfg, LoadReport report, JsonObject result) {
        System.out.printf(
                Locale.ROOT,
                "%s: loaded %d tensors%n",
                cfg.name(),
                report.loaded().size());
        JsonObject stages = result.getAsJsonObject("stages");
        for (String s : stages.keySet()) {
            System.out.printf(
                    Locale.ROOT, "  %s %s%n", s, stages.getAsJsonObject(s).get("shape"));
        }
        JsonArray logits = result.getAsJsonArray("logits");
        for (int i = 0; i < logits.size(); i++) {
            JsonArray row = logits.get(i).getAsJsonArray();
            Integer[] idx = new Integer[row.size()];
            for (int j = 0; j < idx.length; j++) {
                idx[j] = j;
            }
            Arrays.sort(
                    idx,
                    (a, b) -> Float.compare(row.get(b).getAsFloat(), row.get(a).getAsFloat()));
            StringBuilder top = new StringBuilder();
            for (int j = 0; j < Math.min(5, idx.length); j++) {
                top.append(String.format(
                        Locale.ROOT, " %d:%.4f", idx[j], row.get(idx[j]).getAsFloat()));
            }
            System.out.printf(Locale.ROOT, "  sample %d top-5 (class:logit)%s%n", i, top);
        }
    }
}
