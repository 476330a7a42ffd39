package org.cardinal.regnet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;
import org.cardinal.backbone.Norm;

/**
 * The building blocks of {@link RegNet}, laid out as torchvision's modules so that their
 * parameters carry torchvision's names ({@code proj.0.weight}, {@code f.b.1.running_mean}, {@code
 * f.se.fc1.bias}, ...).
 */
final class Blocks {

    private Blocks() {}

    /**
     * A convolution without bias, initialized as torchvision's RegNet does (N(0, sqrt(2 / fan_out)),
     * {@code fan_out = k * k * out}).
     */
    static Conv2d conv(int out, int kernel, int stride, int groups, boolean bias) {
        Conv2d conv = Conv2d.builder()
                .setKernelShape(new Shape(kernel, kernel))
                .optStride(new Shape(stride, stride))
                .optPadding(new Shape(kernel / 2, kernel / 2))
                .setFilters(out)
                .optGroups(groups)
                .optBias(bias)
                .build();
        conv.setInitializer(
                new NormalInitializer((float) Math.sqrt(2.0 / ((double) out * kernel * kernel))),
                Parameter.Type.WEIGHT);
        return conv;
    }

    /** Children run in order, named as given (a torch {@code nn.Sequential} with named modules). */
    static final class Chain extends AbstractBlock {
        private final List<Block> blocks = new ArrayList<>();

        <T extends Block> T add(String name, T block) {
            blocks.add(addChildBlock(name, block));
            return block;
        }

        List<Block> blocks() {
            return blocks;
        }

        @Override
        protected NDList forwardInternal(
                ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            NDList x = inputs;
            for (Block b : blocks) {
                x = b.forward(ps, x, training, params);
            }
            return x;
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            Shape[] shapes = inputShapes;
            for (Block b : blocks) {
                b.initialize(manager, dataType, shapes);
                shapes = b.getOutputShapes(shapes);
            }
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            Shape[] shapes = inputShapes;
            for (Block b : blocks) {
                shapes = b.getOutputShapes(shapes);
            }
            return shapes;
        }
    }

    /** torchvision's {@code Conv2dNormActivation}: children {@code 0} (conv), {@code 1} (norm), then a ReLU or none. */
    static final class ConvNorm extends AbstractBlock {
        private final Block conv;
        private final Block norm;
        private final boolean relu;

        ConvNorm(int out, int kernel, int stride, int groups, Norm norm, boolean relu) {
            this.conv = addChildBlock("0", conv(out, kernel, stride, groups, false));
            this.norm = addChildBlock("1", norm.create(out));
            this.relu = relu;
        }

        @Override
        protected NDList forwardInternal(
                ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            NDList x = norm.forward(ps, conv.forward(ps, inputs, training, params), training, params);
            return relu ? new NDList(Activation.relu(x.singletonOrThrow())) : x;
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            conv.initialize(manager, dataType, inputShapes);
            norm.initialize(manager, dataType, conv.getOutputShapes(inputShapes));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return conv.getOutputShapes(inputShapes);
        }
    }

    /**
     * torchvision's {@code SqueezeExcitation}: x * sigmoid(fc2(relu(fc1(mean(x))))), {@code fc1} and
     * {@code fc2} 1x1 convolutions with bias.
     */
    static final class SqueezeExcitation extends AbstractBlock {
        private final Block fc1;
        private final Block fc2;

        SqueezeExcitation(int channels, int squeeze) {
            fc1 = addChildBlock("fc1", conv(squeeze, 1, 1, 1, true));
            fc2 = addChildBlock("fc2", conv(channels, 1, 1, 1, true));
        }

        @Override
        protected NDList forwardInternal(
                ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray x = inputs.singletonOrThrow();
            Shape shape = x.getShape();
            NDArray s = x.reshape(shape.get(0), shape.get(1), -1)
                    .mean(new int[] {2})
                    .reshape(shape.get(0), shape.get(1), 1, 1);
            s = fc1.forward(ps, new NDList(s), training, params).singletonOrThrow();
            s = fc2.forward(ps, new NDList(Activation.relu(s)), training, params)
                    .singletonOrThrow();
            return new NDList(x.mul(Activation.sigmoid(s)));
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            Shape pooled = new Shape(inputShapes[0].get(0), inputShapes[0].get(1), 1, 1);
            fc1.initialize(manager, dataType, pooled);
            fc2.initialize(manager, dataType, fc1.getOutputShapes(new Shape[] {pooled}));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return inputShapes;
        }
    }

    /**
     * torchvision's {@code ResBottleneckBlock}: relu(proj(x) + f(x)), {@code f} = {@code a} (1x1),
     * {@code b} (grouped 3x3 of the block's stride), [{@code se}], {@code c} (1x1, no ReLU); {@code
     * proj} (1x1 of the stride, no ReLU) where the shape changes, else the identity.
     */
    static final class Bottleneck extends AbstractBlock {
        private final Block proj;
        private final Block f;

        Bottleneck(int in, int out, int stride, int bottleneck, int groups, int squeeze, Norm norm) {
            proj = in != out || stride != 1
                    ? addChildBlock("proj", new ConvNorm(out, 1, stride, 1, norm, false))
                    : null;
            Chain t = new Chain();
            t.add("a", new ConvNorm(bottleneck, 1, 1, 1, norm, true));
            t.add("b", new ConvNorm(bottleneck, 3, stride, groups, norm, true));
            if (squeeze > 0) {
                t.add("se", new SqueezeExcitation(bottleneck, squeeze));
            }
            t.add("c", new ConvNorm(out, 1, 1, 1, norm, false));
            f = addChildBlock("f", t);
        }

        @Override
        protected NDList forwardInternal(
                ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray shortcut = proj == null
                    ? inputs.singletonOrThrow()
                    : proj.forward(ps, inputs, training, params).singletonOrThrow();
            NDArray y = f.forward(ps, inputs, training, params).singletonOrThrow();
            return new NDList(Activation.relu(shortcut.add(y)));
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            if (proj != null) {
                proj.initialize(manager, dataType, inputShapes);
            }
            f.initialize(manager, dataType, inputShapes);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return f.getOutputShapes(inputShapes);
        }
    }
}
