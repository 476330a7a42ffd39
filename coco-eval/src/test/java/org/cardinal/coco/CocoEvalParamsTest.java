package org.cardinal.coco;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class CocoEvalParamsTest {
    @Test
    void defaultThresholdsAreNumpysLinspaceBitForBit() {
        // repr of np.linspace(.5, 0.95, 10) in numpy 2.4.6 (0.9 is not exactly 0.9 there)
        double[] numpy = {0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.8999999999999999, 0.95};
        assertArrayEquals(numpy, CocoEvalParams.defaults().iouThrs());
        double[] rec = CocoEvalParams.defaults().recThrs();
        assertEquals(101, rec.length);
        for (int i = 0; i < 100; i++) {
            assertEquals(i * 0.01, rec[i], 0.0, "recall threshold " + i); // numpy: i * step + 0.0
        }
        assertEquals(1.0, rec[100]);
    }

    @Test
    void idsAndMaxDetsAreSortedAndUnique() {
        CocoEvalParams p = CocoEvalParams.defaults()
                .withImgIds(5, 1, 5, 3)
                .withCatIds(9, 2, 2)
                .withMaxDets(100, 1, 10);
        assertArrayEquals(new long[] {1, 3, 5}, p.imgIds());
        assertArrayEquals(new int[] {2, 9}, p.catIds());
        assertArrayEquals(new int[] {1, 10, 100}, p.maxDets());
    }

    @Test
    void invalidParametersAreRejected() {
        CocoEvalParams d = CocoEvalParams.defaults();
        assertThrows(IllegalArgumentException.class, () -> d.withMaxDets(10, 10));
        assertThrows(IllegalArgumentException.class, () -> d.withIouThrs(1.5));
        assertThrows(
                IllegalArgumentException.class,
                () -> d.withAreaRanges(
                        List.of(new CocoEvalParams.AreaRange("all", 0, 1), new CocoEvalParams.AreaRange("all", 0, 2))));
    }

    @Test
    void summaryNumbersRoundLikePython() {
        // Python: '{:0.3f}'.format(0.0625) == '0.062' (half to even on the exact binary value),
        // '{:0.3f}'.format(1.0005) == '1.000' (1.0005 is 1.000499999... in binary); -1 -> '-1.000'
        assertEquals("0.062", CocoEvalResult.fixed(0.0625, 3));
        assertEquals("1.000", CocoEvalResult.fixed(1.0005, 3));
        assertEquals("-1.000", CocoEvalResult.fixed(-1, 3));
        assertEquals("0.90", CocoEvalResult.fixed(0.8999999999999999, 2));
    }
}
