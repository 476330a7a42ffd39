package org.cardinal.detector.ops;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Reads the torchvision reference values written by {@code ops/make_fixtures.py} (test
 * resources): tensors are {@code {"shape": [...], "data": [...]}} objects.
 */
public final class TorchvisionFixture {

    private TorchvisionFixture() {}

    /** Parses a fixture from the test class path, e.g. {@code "nms.json"}. */
    public static JsonObject load(String name) {
        String path = "/ops/" + name;
        try (InputStream in = TorchvisionFixture.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + path);
            }
            return JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8))
                    .getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Shape of a tensor entry. */
    public static Shape shape(JsonObject tensor) {
        JsonArray s = tensor.getAsJsonArray("shape");
        long[] dims = new long[s.size()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = s.get(i).getAsLong();
        }
        return new Shape(dims);
    }

    /** Flat float data of a tensor entry. */
    public static float[] floats(JsonObject tensor) {
        JsonArray d = tensor.getAsJsonArray("data");
        float[] out = new float[d.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = d.get(i).getAsFloat();
        }
        return out;
    }

    /** Flat integer data of a tensor entry. */
    public static long[] longs(JsonObject tensor) {
        JsonArray d = tensor.getAsJsonArray("data");
        long[] out = new long[d.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = d.get(i).getAsLong();
        }
        return out;
    }

    /** A float32 tensor entry as an NDArray. */
    public static NDArray floatArray(NDManager manager, JsonElement tensor) {
        JsonObject t = tensor.getAsJsonObject();
        return manager.create(floats(t), shape(t));
    }

    /** An int64 tensor entry as an NDArray. */
    public static NDArray longArray(NDManager manager, JsonElement tensor) {
        JsonObject t = tensor.getAsJsonObject();
        return manager.create(longs(t), shape(t)).toType(DataType.INT64, false);
    }

    /** Dense copy of a {@code {"shape", "index", "value"}} sparse entry. */
    public static float[] sparseToDense(JsonObject tensor) {
        long n = shape(tensor).size();
        float[] out = new float[(int) n];
        JsonArray idx = tensor.getAsJsonArray("index");
        JsonArray val = tensor.getAsJsonArray("value");
        for (int i = 0; i < idx.size(); i++) {
            out[idx.get(i).getAsInt()] = val.get(i).getAsFloat();
        }
        return out;
    }

    /** The script's exact-in-float32 pattern {@code ((i*37 + salt*11) % 101) / 64 - 0.75}. */
    public static float[] pattern(Shape shape, int salt) {
        float[] out = new float[(int) shape.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (((i * 37L + salt * 11L) % 101) / 64.0 - 0.75);
        }
        return out;
    }

    /** Largest absolute difference; fails on a length mismatch. */
    public static double maxAbsDiff(float[] expected, float[] actual) {
        if (expected.length != actual.length) {
            throw new AssertionError("length mismatch: expected " + expected.length + ", got " + actual.length);
        }
        double max = 0;
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs((double) expected[i] - actual[i]);
            if (Double.isNaN(d)) {
                if (!(Float.isNaN(expected[i]) && Float.isNaN(actual[i]))) {
                    return Double.POSITIVE_INFINITY;
                }
                continue;
            }
            max = Math.max(max, d);
        }
        return max;
    }
}
