package org.cardinal.detector;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * torchvision's {@code FastRCNNPredictor}: class logits and class-specific box deltas from the box
 * head's features. Children {@code cls_score}, {@code bbox_pred}.
 *
 * <p>Input (R, inFeatures) (or anything flattening to it). Output: class logits (R, K+1) and box
 * deltas (R, 4 (K+1)), column block k holding class k's (dx, dy, dw, dh).
 */
public final class FastRcnnPredictor extends AbstractBlock {

    private final long inFeatures;
    private final Linear clsScore;
    private final Linear bboxPred;

    /**
     * @param inFeatures width of the box head's output
     * @param numClasses classes including background
     */
    public FastRcnnPredictor(long inFeatures, int numClasses) {
        this.inFeatures = inFeatures;
        clsScore = addChildBlock("cls_score", TorchLinear.create(inFeatures, numClasses));
        bboxPred = addChildBlock("bbox_pred", TorchLinear.create(inFeatures, 4L * numClasses));
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        x = x.reshape(x.getShape().get(0), -1);
        NDArray scores = clsScore.forward(ps, new NDList(x), training).singletonOrThrow();
        NDArray deltas = bboxPred.forward(ps, new NDList(x), training).singletonOrThrow();
        return new NDList(scores, deltas);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
        clsScore.initialize(manager, dataType, new Shape(1, inFeatures));
        bboxPred.initialize(manager, dataType, new Shape(1, inFeatures));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        long r = inputShapes[0].get(0);
        return new Shape[] {
            clsScore.getOutputShapes(new Shape[] {new Shape(r, inFeatures)})[0],
            bboxPred.getOutputShapes(new Shape[] {new Shape(r, inFeatures)})[0]
        };
    }
}
