package org.cardinal.detector;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cardinal.core.train.Scalars;
import org.cardinal.core.train.Temporaries;
import org.cardinal.detector.ops.BoxOps;
import org.cardinal.detector.ops.MultiScaleRoiAlign;
import org.cardinal.detector.ops.Nms;

/**
 * torchvision's {@code RoIHeads} for boxes: in training, ground-truth boxes are added to the
 * proposals, proposals are matched (IoU 0.5 / 0.5) and sampled (512 per image, 25% foreground);
 * RoI features are pooled ({@link MultiScaleRoiAlign}), run through the box head and the {@link
 * FastRcnnPredictor}; training returns {@code loss_classifier} (cross-entropy) and {@code
 * loss_box_reg} (smooth-L1, beta 1/9, over foreground RoIs of their class, divided by the number
 * of sampled RoIs); inference returns detections (softmax, per-class decode, clip, background
 * dropped, score threshold, small boxes removed, per-class NMS, top k).
 *
 * <p>Boxes are in pixels of the resized image. Children {@code box_head} and {@code
 * box_predictor}. The box head may use parameters owned elsewhere: the C4 variant's {@link
 * LastStageHead} runs the backbone's own res5 stage, which stays a child of the backbone.
 */
public final class RoiHeads extends AbstractBlock {

    /** Detections per image (inference) and the two box losses (training). */
    public record Output(List<Detections> detections, Map<String, NDArray> losses) {}

    /**
     * The box branch's hyper-parameters, as torchvision's {@code RoIHeads} keyword arguments.
     *
     * @param fgIouThresh proposal IoU at or above which it is foreground
     * @param bgIouThresh proposal IoU below which it is background
     * @param batchSizePerImage RoIs sampled per image for the loss
     * @param positiveFraction at most this fraction of them foreground
     * @param bboxRegWeights box coder weights (wx, wy, ww, wh)
     * @param scoreThresh detections with a lower class probability are dropped
     * @param nmsThresh per-class NMS IoU threshold
     * @param detectionsPerImg detections kept per image
     */
    public record Params(
            double fgIouThresh,
            double bgIouThresh,
            int batchSizePerImage,
            double positiveFraction,
            double[] bboxRegWeights,
            double scoreThresh,
            double nmsThresh,
            int detectionsPerImg) {}

    private static final double BETA = 1.0 / 9;
    private static final double MIN_SIZE = 1e-2;

    private final MultiScaleRoiAlign boxRoiPool;
    private final Block boxHead;
    private final Block boxPredictor;
    private final Params params;
    private final BoxCoder boxCoder;
    private final Matcher matcher;
    private final BalancedPositiveNegativeSampler sampler;

    /**
     * @param boxRoiPool pools each RoI from the backbone's maps
     * @param boxHead turns pooled RoIs (R, C, S, S) into features (R, F)
     * @param boxPredictor any block with {@link FastRcnnPredictor}'s contract: features (R, F) in,
     *     class logits (R, K) and per-class box deltas (R, 4K) out, K the classes with background;
     *     its parameters are {@code roi_heads.box_predictor.*}
     * @param params thresholds and sizes
     */
    public RoiHeads(MultiScaleRoiAlign boxRoiPool, Block boxHead, Block boxPredictor, Params params) {
        this.boxRoiPool = boxRoiPool;
        this.boxHead = addChildBlock("box_head", boxHead);
        this.boxPredictor = addChildBlock("box_predictor", boxPredictor);
        this.params = params;
        this.boxCoder = new BoxCoder(params.bboxRegWeights());
        this.matcher = new Matcher((float) params.fgIouThresh(), (float) params.bgIouThresh(), false);
        this.sampler = new BalancedPositiveNegativeSampler(params.batchSizePerImage(), params.positiveFraction());
    }

    /** @return the RoI pooler */
    public MultiScaleRoiAlign boxRoiPool() {
        return boxRoiPool;
    }

    /** @return the hyper-parameters */
    public Params params() {
        return params;
    }

    /**
     * Runs the box branch.
     *
     * @param ps the parameter store
     * @param features the backbone's named maps; the pooler picks its levels by name
     * @param proposals per image (P_i, 4), detached
     * @param imageSizes per image {height, width} after the resize
     * @param targets per image ground truth in resized-image pixels; null in inference
     * @param training whether to sample RoIs and return losses instead of detections
     * @return detections (inference) or losses (training)
     */
    public Output apply(
            ParameterStore ps,
            NDList features,
            List<NDArray> proposals,
            List<int[]> imageSizes,
            List<Target> targets,
            boolean training) {
        List<NDArray> rois = proposals;
        NDArray labels = null;
        NDArray regressionTargets = null;
        if (training) {
            NDList labelList = new NDList(rois.size());
            NDList targetList = new NDList(rois.size());
            rois = selectTrainingSamples(proposals, targets, labelList, targetList);
            labels = NDArrays.concat(labelList, 0);
            regressionTargets = NDArrays.concat(targetList, 0);
        }
        List<long[]> sizes = new ArrayList<>(imageSizes.size());
        for (int[] s : imageSizes) {
            sizes.add(new long[] {s[0], s[1]});
        }
        NDArray pooled = boxRoiPool.forward(features, rois, sizes);
        // the pooled features are freed once the head has used them (Temporaries)
        NDArray x = Temporaries.release(
                pooled, boxHead.forward(ps, new NDList(pooled), training).singletonOrThrow(), null);
        NDList pred = boxPredictor.forward(ps, new NDList(x), training);
        NDArray classLogits = pred.get(0);
        NDArray boxRegression = pred.get(1);
        if (training) {
            return new Output(List.of(), fastRcnnLoss(classLogits, boxRegression, labels, regressionTargets));
        }
        return new Output(postprocess(classLogits, boxRegression, rois, imageSizes), Map.of());
    }

    /** Adds gt boxes, matches, samples; fills labels (int64) and regression targets per image. */
    private List<NDArray> selectTrainingSamples(
            List<NDArray> proposals, List<Target> targets, NDList labelsOut, NDList targetsOut) {
        List<NDArray> sampled = new ArrayList<>(proposals.size());
        for (int i = 0; i < proposals.size(); i++) {
            NDArray gtBoxes = targets.get(i).boxes();
            NDArray gtLabels = targets.get(i).labels().toType(DataType.INT64, false);
            NDArray props = proposals.get(i).concat(gtBoxes, 0);
            long n = props.getShape().get(0);
            NDArray matchedIdx;
            NDArray labels;
            NDManager m = props.getManager();
            if (gtBoxes.getShape().get(0) == 0) {
                matchedIdx = m.zeros(new Shape(n), DataType.INT64, props.getDevice());
                labels = m.zeros(new Shape(n), DataType.INT64, props.getDevice());
                gtBoxes = m.zeros(new Shape(1, 4), DataType.FLOAT32, props.getDevice());
            } else {
                NDArray matched = matcher.match(BoxOps.boxIou(gtBoxes, props));
                matchedIdx = matched.maximum(0L);
                labels = gtLabels.get(matchedIdx);
                // Background below the low threshold, ignored (-1) between the thresholds.
                labels = labels.mul(matched.gte(0L).toType(DataType.INT64, false))
                        .sub(matched.eq((long) Matcher.BETWEEN_THRESHOLDS).toType(DataType.INT64, false));
            }
            NDList masks = sampler.sample(labels, targets.get(i).roiSamplingSeed());
            NDArray keep = masks.get(0).logicalOr(masks.get(1)).nonzero().reshape(-1);
            NDArray rois = props.get(keep);
            labelsOut.add(labels.get(keep));
            targetsOut.add(boxCoder.encode(gtBoxes.get(matchedIdx.get(keep)), rois));
            sampled.add(rois);
        }
        return sampled;
    }

    private Map<String, NDArray> fastRcnnLoss(
            NDArray classLogits, NDArray boxRegression, NDArray labels, NDArray targets) {
        long n = classLogits.getShape().get(0);
        long numClasses = classLogits.getShape().get(1);
        NDArray lossClassifier = DetectionLosses.crossEntropy(classLogits, labels);
        NDArray pos = labels.gt(0L).nonzero().reshape(-1);
        NDArray labelsPos = labels.get(pos);
        NDArray rows = pos.mul(numClasses).add(labelsPos);
        NDArray picked = boxRegression.reshape(n * numClasses, 4).get(rows);
        NDArray lossBoxReg = Scalars.div(DetectionLosses.smoothL1Sum(picked, targets.get(pos), BETA), Math.max(1, n));
        lossClassifier.setName("loss_classifier");
        lossBoxReg.setName("loss_box_reg");
        Map<String, NDArray> losses = new LinkedHashMap<>();
        losses.put("loss_classifier", lossClassifier);
        losses.put("loss_box_reg", lossBoxReg);
        return losses;
    }

    private List<Detections> postprocess(
            NDArray classLogits, NDArray boxRegression, List<NDArray> proposals, List<int[]> sizes) {
        int numClasses = (int) classLogits.getShape().get(1);
        NDArray all = NDArrays.concat(new NDList(proposals.toArray(new NDArray[0])), 0);
        NDArray predBoxes = boxCoder.decode(boxRegression, all).reshape(-1, numClasses, 4);
        NDArray predScores = classLogits.softmax(1);
        NDManager m = classLogits.getManager();
        NDArray classIds = m.arange(1, numClasses, 1, DataType.INT64).toDevice(classLogits.getDevice(), false);
        List<Detections> out = new ArrayList<>(proposals.size());
        long start = 0;
        for (int i = 0; i < proposals.size(); i++) {
            long r = proposals.get(i).getShape().get(0);
            String rowRange = start + ":" + (start + r);
            start += r;
            int[] size = sizes.get(i);
            NDArray boxes = BoxOps.clipBoxesToImage(predBoxes.get(rowRange), size[0], size[1]);
            // Drop the background column; every remaining (RoI, class) pair is a candidate.
            boxes = boxes.get(":, 1:, :").reshape(-1, 4);
            NDArray scores = predScores.get(rowRange).get(":, 1:").reshape(-1);
            NDArray labels = classIds.reshape(1, -1).tile(new long[] {r, 1}).reshape(-1);
            NDArray keep = scores.gt(params.scoreThresh()).nonzero().reshape(-1);
            boxes = boxes.get(keep);
            scores = scores.get(keep);
            labels = labels.get(keep);
            keep = BoxOps.removeSmallBoxes(boxes, MIN_SIZE);
            boxes = boxes.get(keep);
            scores = scores.get(keep);
            labels = labels.get(keep);
            keep = Nms.batchedNms(boxes, scores, labels, params.nmsThresh());
            if (keep.getShape().get(0) > params.detectionsPerImg()) {
                keep = keep.get(":" + params.detectionsPerImg());
            }
            out.add(new Detections(boxes.get(keep), scores.get(keep), labels.get(keep)));
        }
        return out;
    }

    /** Runs the box head and predictor on already pooled features: class logits, box deltas. */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = boxHead.forward(ps, inputs, training, params).singletonOrThrow();
        return boxPredictor.forward(ps, new NDList(x), training, params);
    }

    /** {@code shapes}: the pooled RoIs, (R, C, S, S). */
    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
        boxHead.initialize(manager, dataType, shapes);
        boxPredictor.initialize(manager, dataType, boxHead.getOutputShapes(shapes));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return boxPredictor.getOutputShapes(boxHead.getOutputShapes(inputShapes));
    }
}
