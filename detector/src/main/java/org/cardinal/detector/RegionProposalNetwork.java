package org.cardinal.detector;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
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
import org.cardinal.detector.ops.Nms;

/**
 * torchvision's {@code RegionProposalNetwork}: anchors over every feature level, the {@link
 * RpnHead}, proposal selection (per-level top-k of objectness, sigmoid, decode, clip, small-box
 * removal, score threshold, NMS per level, top-n per image) and, in training, the objectness
 * (binary cross-entropy over sampled anchors) and box (smooth-L1, beta 1/9, over positive anchors
 * divided by the number of sampled anchors) losses.
 *
 * <p>Boxes are x1, y1, x2, y2 in pixels of the resized image. The only child is {@code head}.
 */
public final class RegionProposalNetwork extends AbstractBlock {

    /** Proposals per image (detached, (P_i, 4)) and, in training, the two RPN losses. */
    public record Output(List<NDArray> proposals, Map<String, NDArray> losses) {}

    /**
     * The RPN's hyper-parameters, as torchvision's {@code RegionProposalNetwork} keyword arguments.
     *
     * @param preNmsTopNTrain per-level proposals kept before NMS in training
     * @param preNmsTopNTest per-level proposals kept before NMS in inference
     * @param postNmsTopNTrain proposals kept per image after NMS in training
     * @param postNmsTopNTest proposals kept per image after NMS in inference
     * @param nmsThresh NMS IoU threshold
     * @param fgIouThresh anchor IoU at or above which it is positive
     * @param bgIouThresh anchor IoU below which it is negative
     * @param batchSizePerImage anchors sampled per image for the loss
     * @param positiveFraction at most this fraction of them positive
     * @param scoreThresh proposals with objectness probability below are dropped
     */
    public record Params(
            int preNmsTopNTrain,
            int preNmsTopNTest,
            int postNmsTopNTrain,
            int postNmsTopNTest,
            double nmsThresh,
            double fgIouThresh,
            double bgIouThresh,
            int batchSizePerImage,
            double positiveFraction,
            double scoreThresh) {}

    private static final double MIN_SIZE = 1e-3;
    private static final double BETA = 1.0 / 9;

    private final Block head;
    private final AnchorGenerator anchorGenerator;
    private final BoxCoder boxCoder = new BoxCoder(new double[] {1, 1, 1, 1});
    private final Matcher matcher;
    private final BalancedPositiveNegativeSampler sampler;
    private final Params params;

    /**
     * @param anchorGenerator anchors of every feature level
     * @param head any block with {@link RpnHead}'s contract: L maps (N, C, H_l, W_l) in, the L
     *     objectness maps (N, A, H_l, W_l) then the L delta maps (N, 4A, H_l, W_l) out, A the
     *     anchors per location the generator makes; its parameters are {@code rpn.head.*}
     * @param params thresholds and top-k sizes
     */
    public RegionProposalNetwork(AnchorGenerator anchorGenerator, Block head, Params params) {
        this.anchorGenerator = anchorGenerator;
        this.head = addChildBlock("head", head);
        this.params = params;
        matcher = new Matcher((float) params.fgIouThresh(), (float) params.bgIouThresh(), true);
        sampler = new BalancedPositiveNegativeSampler(params.batchSizePerImage(), params.positiveFraction());
    }

    /** @return the hyper-parameters */
    public Params params() {
        return params;
    }

    /**
     * Proposes regions, and in training computes the RPN losses.
     *
     * @param ps the parameter store
     * @param images the transformed batch (for the padded size and the per-image sizes)
     * @param features all levels the RPN runs on (FPN: P2..P6; C4: one map)
     * @param targets per image ground truth in resized-image pixels (its sampling seed draws the
     *     anchors of the loss); null in inference
     * @param training whether to use the training top-k sizes and compute losses
     * @return proposals and losses (empty in inference)
     */
    public Output propose(
            ParameterStore ps, ImageList images, NDList features, List<Target> targets, boolean training) {
        NDList headOut = head.forward(ps, features, training);
        int levels = features.size();
        long numImages = images.tensors().getShape().get(0);
        List<Shape> featureShapes = new ArrayList<>(levels);
        long[] perLevel = new long[levels];
        NDList objectness = new NDList(levels);
        NDList deltas = new NDList(levels);
        for (int l = 0; l < levels; l++) {
            NDArray o = headOut.get(l);
            NDArray d = headOut.get(levels + l);
            Shape s = o.getShape();
            featureShapes.add(s);
            perLevel[l] = s.get(1) * s.get(2) * s.get(3);
            // (N, A, H, W) -> (N, H*W*A): anchors ordered by y, x, anchor as the generator.
            objectness.add(o.transpose(0, 2, 3, 1).reshape(numImages, -1));
            long a = s.get(1);
            deltas.add(d.reshape(numImages, a, 4, s.get(2), s.get(3))
                    .transpose(0, 3, 4, 1, 2)
                    .reshape(numImages, -1, 4));
        }
        // DJL's concat of a single array returns a copy that autograd does not trace back to
        // the head, so with one level (C4) the RPN never trained: take the array itself
        NDArray objAll = levels == 1 ? objectness.get(0) : NDArrays.concat(objectness, 1); // (N, T)
        NDArray deltaAll = levels == 1 ? deltas.get(0) : NDArrays.concat(deltas, 1); // (N, T, 4)
        Shape padded = images.tensors().getShape();
        NDManager manager = objAll.getManager();
        NDArray anchors = anchorGenerator.anchors(manager, padded.get(2), padded.get(3), featureShapes);
        long total = anchors.getShape().get(0);

        NDArray flatDeltas = deltaAll.reshape(-1, 4);
        // a few arrays per anchor on the way: freed here, keeping each image's proposals
        List<NDArray> boxes = Temporaries.untracked(
                () -> {
                    NDArray tiledAnchors = anchors.tile(new long[] {numImages, 1});
                    NDArray proposals = boxCoder.decode(flatDeltas.stopGradient(), tiledAnchors)
                            .reshape(numImages, total, 4);
                    return filterProposals(proposals, objAll.stopGradient(), images.imageSizes(), perLevel, training);
                },
                b -> b);

        Map<String, NDArray> losses = new LinkedHashMap<>();
        if (training) {
            LossTargets t = Temporaries.untracked(() -> lossTargets(anchors, targets), LossTargets::arrays);
            computeLoss(objAll.reshape(-1), flatDeltas, t, losses);
        }
        return new Output(boxes, losses);
    }

    /**
     * What the loss reads of the matching and sampling of every anchor of the batch.
     *
     * @param positive rows of the positive anchors sampled (in the batch's flat anchor order)
     * @param sampled rows of every anchor sampled, positives first
     * @param labels the objectness label (1 or 0) of each sampled anchor
     * @param boxTargets the encoded box of each positive
     */
    private record LossTargets(NDArray positive, NDArray sampled, NDArray labels, NDArray boxTargets) {
        List<NDArray> arrays() {
            return List.of(positive, sampled, labels, boxTargets);
        }
    }

    private List<NDArray> filterProposals(
            NDArray proposals, NDArray objectness, List<int[]> imageSizes, long[] perLevel, boolean training) {
        int preNms = training ? params.preNmsTopNTrain() : params.preNmsTopNTest();
        int postNms = training ? params.postNmsTopNTrain() : params.postNmsTopNTest();
        NDManager manager = objectness.getManager();
        NDList topIdx = new NDList(perLevel.length);
        NDList topLevel = new NDList(perLevel.length);
        long offset = 0;
        for (int l = 0; l < perLevel.length; l++) {
            NDArray ob = objectness.get(":, " + offset + ":" + (offset + perLevel[l]));
            int k = (int) Math.min(preNms, perLevel[l]);
            NDArray idx = ob.topK(k, 1, true, true).get(1).add(offset);
            topIdx.add(idx);
            topLevel.add(manager.full(new Shape(k), l, DataType.INT64, objectness.getDevice()));
            offset += perLevel[l];
        }
        NDArray idx = NDArrays.concat(topIdx, 1); // (N, K)
        NDArray lvl = NDArrays.concat(topLevel, 0); // (K)
        List<NDArray> out = new ArrayList<>(imageSizes.size());
        for (int i = 0; i < imageSizes.size(); i++) {
            NDArray ii = idx.get(i);
            NDArray scores = Activation.sigmoid(objectness.get(i).get(ii));
            NDArray boxes = proposals.get(i).get(ii);
            NDArray levels = lvl;
            int[] size = imageSizes.get(i);
            boxes = BoxOps.clipBoxesToImage(boxes, size[0], size[1]);
            NDArray keep = BoxOps.removeSmallBoxes(boxes, MIN_SIZE);
            boxes = boxes.get(keep);
            scores = scores.get(keep);
            levels = levels.get(keep);
            if (params.scoreThresh() > 0) {
                keep = scores.gte(params.scoreThresh()).nonzero().reshape(-1);
                boxes = boxes.get(keep);
                scores = scores.get(keep);
                levels = levels.get(keep);
            }
            keep = Nms.batchedNms(boxes, scores, levels, params.nmsThresh());
            if (keep.getShape().get(0) > postNms) {
                keep = keep.get(":" + postNms);
            }
            out.add(boxes.get(keep));
        }
        return out;
    }

    private LossTargets lossTargets(NDArray anchors, List<Target> gtTargets) {
        NDList labels = new NDList(gtTargets.size());
        NDList targets = new NDList(gtTargets.size());
        NDList pos = new NDList(gtTargets.size());
        NDList neg = new NDList(gtTargets.size());
        long total = anchors.getShape().get(0);
        for (Target target : gtTargets) {
            NDArray gt = target.boxes();
            NDArray labelsI;
            NDArray matchedGt;
            if (gt.getShape().get(0) == 0) {
                labelsI = anchors.getManager().zeros(new Shape(total), DataType.INT64, anchors.getDevice());
                matchedGt = anchors.zerosLike();
            } else {
                NDArray matched = matcher.match(BoxOps.boxIou(gt, anchors));
                matchedGt = gt.get(matched.maximum(0L));
                // 1 foreground, 0 background (below low), -1 ignored (between thresholds).
                labelsI = matched.gte(0L)
                        .toType(DataType.INT64, false)
                        .sub(matched.eq((long) Matcher.BETWEEN_THRESHOLDS).toType(DataType.INT64, false));
            }
            NDList masks = sampler.sample(labelsI, target.rpnSamplingSeed());
            pos.add(masks.get(0));
            neg.add(masks.get(1));
            labels.add(labelsI);
            targets.add(boxCoder.encode(matchedGt, anchors));
        }
        NDArray posIdx = NDArrays.concat(pos, 0).nonzero().reshape(-1);
        NDArray negIdx = NDArrays.concat(neg, 0).nonzero().reshape(-1);
        NDArray sampled = posIdx.concat(negIdx, 0);
        NDArray allLabels = NDArrays.concat(labels, 0).toType(DataType.FLOAT32, false);
        NDArray allTargets = NDArrays.concat(targets, 0);
        return new LossTargets(posIdx, sampled, allLabels.get(sampled), allTargets.get(posIdx));
    }

    private static void computeLoss(NDArray objectness, NDArray deltas, LossTargets t, Map<String, NDArray> losses) {
        long numSampled = Math.max(1, t.sampled().getShape().get(0));
        NDArray boxLoss =
                Scalars.div(DetectionLosses.smoothL1Sum(deltas.get(t.positive()), t.boxTargets(), BETA), numSampled);
        NDArray objLoss = DetectionLosses.binaryCrossEntropyWithLogits(objectness.get(t.sampled()), t.labels());
        objLoss.setName("loss_objectness");
        boxLoss.setName("loss_rpn_box_reg");
        losses.put("loss_objectness", objLoss);
        losses.put("loss_rpn_box_reg", boxLoss);
    }

    /** Runs the head only: L objectness maps then L delta maps (see {@link RpnHead}). */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return head.forward(ps, inputs, training, params);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
        head.initialize(manager, dataType, shapes);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return head.getOutputShapes(inputShapes);
    }
}
