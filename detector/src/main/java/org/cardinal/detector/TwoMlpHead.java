package org.cardinal.detector;

import static org.cardinal.core.train.Temporaries.release;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * torchvision's {@code TwoMLPHead}, the FPN box head: flatten the pooled RoI features, then two
 * fully connected layers with ReLU. Children {@code fc6}, {@code fc7}; torch's default Linear
 * init.
 *
 * <p>Input (R, C, S, S); output (R, representationSize).
 */
public final class TwoMlpHead extends AbstractBlock {

    private final long inFeatures;
    private final int representationSize;
    private final Linear fc6;
    private final Linear fc7;

    /**
     * @param inFeatures C * S * S of the pooled features
     * @param representationSize width of both layers (1024 in torchvision)
     */
    public TwoMlpHead(long inFeatures, int representationSize) {
        this.inFeatures = inFeatures;
        this.representationSize = representationSize;
        fc6 = addChildBlock("fc6", TorchLinear.create(inFeatures, representationSize));
        fc7 = addChildBlock("fc7", TorchLinear.create(representationSize, representationSize));
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray input = inputs.singletonOrThrow();
        NDArray x = input.reshape(input.getShape().get(0), -1);
        // Each intermediate is freed once used (Temporaries); the input is the caller's.
        x = release(x, fc6.forward(ps, new NDList(x), training).singletonOrThrow(), input);
        x = release(x, Activation.relu(x), input);
        x = release(x, fc7.forward(ps, new NDList(x), training).singletonOrThrow(), input);
        return new NDList(release(x, Activation.relu(x), input));
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
        fc6.initialize(manager, dataType, new Shape(1, inFeatures));
        fc7.initialize(manager, dataType, new Shape(1, representationSize));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), representationSize)};
    }
}
