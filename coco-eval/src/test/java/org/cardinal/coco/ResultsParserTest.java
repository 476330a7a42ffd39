package org.cardinal.coco;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fast results parser yields exactly the doubles of a correctly rounded parse (as Python's json). */
class ResultsParserTest {
    @TempDir
    Path dir;

    @Test
    void numbersParseToTheCorrectlyRoundedDouble() throws Exception {
        SplittableRandom rng = new SplittableRandom(5);
        StringBuilder json = new StringBuilder("[");
        int n = 6000;
        String[] texts = new String[n * 5];
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                json.append(", ");
            }
            for (int j = 0; j < 5; j++) {
                texts[5 * i + j] = number(rng, j < 4);
            }
            json.append("{\"image_id\": ")
                    .append(i)
                    .append(", \"category_id\": 1, \"bbox\": [")
                    .append(texts[5 * i])
                    .append(", ")
                    .append(texts[5 * i + 1])
                    .append(", ")
                    .append(texts[5 * i + 2])
                    .append(", ")
                    .append(texts[5 * i + 3])
                    .append("], \"score\": ")
                    .append(texts[5 * i + 4])
                    .append("}");
        }
        json.append("]");
        byte[] bytes = json.toString().getBytes(StandardCharsets.US_ASCII);
        ResultColumns fast = ResultsParser.parse(bytes);
        assertNotNull(fast, "the fast path handles plain JSON numbers");
        Path p = dir.resolve("dt.json");
        Files.write(p, bytes);
        ResultColumns gson = CocoResults.readStreaming(p).table;
        assertEquals(n, fast.size);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 4; j++) {
                double expected = Double.parseDouble(texts[5 * i + j]);
                assertEquals(
                        Double.doubleToRawLongBits(expected),
                        Double.doubleToRawLongBits(fast.box[4 * i + j]),
                        texts[5 * i + j]);
                assertEquals(Double.doubleToRawLongBits(expected), Double.doubleToRawLongBits(gson.box[4 * i + j]));
            }
            double score = Double.parseDouble(texts[5 * i + 4]);
            assertEquals(
                    Double.doubleToRawLongBits(score), Double.doubleToRawLongBits(fast.score[i]), texts[5 * i + 4]);
            assertEquals(i, fast.imageId[i]);
        }
    }

    /** Decimal texts of the kinds results files hold: short fixed, full repr, exponents, long digit runs. */
    private static String number(SplittableRandom rng, boolean nonNegative) {
        double v = rng.nextDouble() * Math.pow(10, rng.nextInt(-3, 5));
        if (!nonNegative && rng.nextBoolean()) {
            v = -v;
        }
        switch (rng.nextInt(7)) {
            case 0:
                return String.format(Locale.ROOT, "%.2f", v);
            case 1:
                return Double.toString(v).replace("E", "e");
            case 2:
                return String.format(Locale.ROOT, "%.17g", v)
                        .replace("e+0", "e")
                        .replace("e-0", "e-");
            case 3:
                return Long.toString(rng.nextLong(0, 100000));
            case 4:
                return "0.000" + rng.nextLong(0, Long.MAX_VALUE); // more digits than a long holds
            case 5:
                return rng.nextLong(1, 1000) + "e" + rng.nextInt(-30, 30);
            default:
                return String.format(Locale.ROOT, "%.6f", v);
        }
    }

    @Test
    void fixtureFilesReadTheSameBothWays() throws Exception {
        for (String name : new String[] {"ties", "mask_area", "many_dets", "crowd_zero_id"}) {
            Path p = ReferenceCases.moduleCases().resolve(name).resolve("dt.json");
            CocoResults fast = CocoResults.read(p);
            CocoResults slow = CocoResults.readStreaming(p);
            assertEquals(slow.size(), fast.size(), name);
            for (int i = 0; i < fast.size(); i++) {
                assertEquals(slow.detection(i), fast.detection(i), name + " record " + i);
                assertEquals(slow.imageId(i), fast.imageId(i), name + " record " + i);
            }
        }
    }
}
