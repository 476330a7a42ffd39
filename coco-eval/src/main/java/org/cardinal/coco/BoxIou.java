package org.cardinal.coco;

/**
 * Box IoU exactly as pycocotools' {@code maskUtils.iou} computes it for boxes ({@code bbIou} in
 * maskApi.c), on {@code [x, y, width, height]} boxes and in the same order of float operations,
 * so results agree bit for bit. Against a crowd box the union is the detection's own area: a
 * detection inside a crowd region scores 1 however small it is.
 */
final class BoxIou {
    private BoxIou() {}

    /**
     * Fills {@code out[d * numGt + g]} with the IoU of detection d and ground truth g.
     *
     * @param dt detection boxes, 4 doubles each, at {@code dtOffsets[d]}
     * @param gt ground-truth boxes, 4 doubles each, at {@code gtOffsets[g]}
     */
    static void compute(
            double[] dt,
            int[] dtOffsets,
            int numDt,
            double[] gt,
            int[] gtOffsets,
            boolean[] crowd,
            int numGt,
            double[] out) {
        for (int g = 0; g < numGt; g++) {
            int go = gtOffsets[g];
            double gx = gt[go];
            double gy = gt[go + 1];
            double gw = gt[go + 2];
            double gh = gt[go + 3];
            double ga = gw * gh;
            boolean isCrowd = crowd[g];
            for (int d = 0; d < numDt; d++) {
                int o = dtOffsets[d];
                double dx = dt[o];
                double dy = dt[o + 1];
                double dw = dt[o + 2];
                double dh = dt[o + 3];
                double da = dw * dh;
                double iou = 0;
                double w = Math.min(dw + dx, gw + gx) - Math.max(dx, gx);
                if (w > 0) {
                    double h = Math.min(dh + dy, gh + gy) - Math.max(dy, gy);
                    if (h > 0) {
                        double i = w * h;
                        double u = isCrowd ? da : da + ga - i;
                        iou = i / u;
                    }
                }
                out[d * numGt + g] = iou;
            }
        }
    }
}
