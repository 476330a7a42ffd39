package org.cardinal.vgg;

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
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;
import org.cardinal.backbone.IndexedSequential;
import org.cardinal.backbone.Norm;
import org.cardinal.backbone.spi.BuildOptions;
import org.cardinal.backbone.spi.FeatureExtractor;
import org.cardinal.backbone.spi.StageView;

/**
 * The network of a {@link VggConfig}: children {@code stem} (a unit, then a 2x2 max pool), {@code
 * stage1}..{@code stage4} (units {@code 0, 1, ...}, then a 2x2 max pool; a unit is a 3x3 {@code
 * conv} + {@code bn} + ReLU) and, with the top, {@code fc}. Frozen
 * stages: 1 freezes the stem, k the stem and stage1..stage(k-1).
 *
 * <p>Input (B, 3, H, W) normalized; output S1..S4, (B, widths[i], H / 2^(i+2), W / 2^(i+2)) in
 * floor arithmetic, then the logits (B, numClasses) with the top.
 */
public final class VggNet extends AbstractBlock implements FeatureExtractor {

    private final VggConfig config;
    private final int frozenStages;
    private final Unit stem;
    private final List<IndexedSequential> stages = new ArrayList<>();
    private final List<Block> views = new ArrayList<>();
    private final Linear fc;

    VggNet(VggConfig config, BuildOptions options) {
        this.config = config;
        this.frozenStages = options.frozenStages();
        if (frozenStages > 5) {
            throw new IllegalArgumentException(
                    "a vgg backbone has 5 stages to freeze (stem and 4), got " + frozenStages);
        }
        int[] widths = config.widths();
        int[] convs = config.convs();
        stem = addChildBlock("stem", new Unit(widths[0], options.norm()));
        for (int i = 0; i < 4; i++) {
            IndexedSequential stage = new IndexedSequential();
            for (int k = 0; k < convs[i]; k++) {
                stage.add(new Unit(widths[i], options.norm()));
            }
            stages.add(addChildBlock("stage" + (i + 1), stage));
            views.add(new Stage(i));
        }
        fc = options.includeTop()
                ? addChildBlock(
                        "fc", Linear.builder().setUnits(config.numClasses()).build())
                : null;
        if (frozenStages >= 1) {
            stem.freezeParameters(true);
        }
        for (int i = 0; i < frozenStages - 1; i++) {
            stages.get(i).freezeParameters(true);
        }
    }

    @Override
    public VggConfig spec() {
        return config;
    }

    @Override
    public Block stage(int i) {
        if (i < 0 || i > 3) {
            throw new IllegalArgumentException("stage index must be 0..3, got " + i);
        }
        return views.get(i);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDList out = new NDList();
        for (Block view : views) {
            x = view.forward(ps, new NDList(x), training, params).singletonOrThrow();
            out.add(x);
        }
        if (fc != null) {
            Shape s = x.getShape();
            NDArray pooled = x.reshape(s.get(0), s.get(1), -1).mean(new int[] {2});
            NDArray logits =
                    fc.forward(ps, new NDList(pooled), training, params).singletonOrThrow();
            logits.setName("logits");
            out.add(logits);
        }
        return out;
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        stem.initialize(manager, dataType, inputShapes);
        Shape[] shapes = pooled(stem.getOutputShapes(inputShapes));
        for (IndexedSequential stage : stages) {
            stage.initialize(manager, dataType, shapes);
            shapes = pooled(stage.getOutputShapes(shapes));
        }
        if (fc != null) {
            fc.initialize(manager, dataType, new Shape(inputShapes[0].get(0), shapes[0].get(1)));
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape[] shapes = inputShapes;
        Shape[] out = new Shape[fc != null ? 5 : 4];
        for (int i = 0; i < 4; i++) {
            shapes = views.get(i).getOutputShapes(shapes);
            out[i] = shapes[0];
        }
        if (fc != null) {
            out[4] = new Shape(inputShapes[0].get(0), config.numClasses());
        }
        return out;
    }

    private static NDArray pool(NDArray x) {
        return Pool.maxPool2d(x, new Shape(2, 2), new Shape(2, 2), new Shape(0, 0), false);
    }

    private static Shape[] pooled(Shape[] in) {
        Shape s = in[0];
        return new Shape[] {new Shape(s.get(0), s.get(1), s.get(2) / 2, s.get(3) / 2)};
    }

    /** Stage i as a view: (the stem,) stage i + 1 and its max pool, cutting the gradient after frozen stages. */
    private final class Stage extends StageView {
        private final int index;

        Stage(int index) {
            this.index = index;
        }

        @Override
        protected NDList forwardInternal(
                ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray x = inputs.singletonOrThrow();
            if (index == 0) {
                x = pool(stem.forward(ps, new NDList(x), training, params).singletonOrThrow());
                if (frozenStages == 1) {
                    x = x.stopGradient();
                }
            }
            x = stages.get(index).forward(ps, new NDList(x), training, params).singletonOrThrow();
            x = pool(x);
            if (frozenStages == index + 2) {
                x = x.stopGradient();
            }
            x.setName(VggConfig.OUTPUTS.get(index));
            return new NDList(x);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            Shape[] in = index == 0 ? pooled(stem.getOutputShapes(inputShapes)) : inputShapes;
            return pooled(stages.get(index).getOutputShapes(in));
        }
    }

    /** A 3x3 convolution (stride 1, no bias), its norm and a ReLU: children {@code conv}, {@code bn}. */
    private static final class Unit extends AbstractBlock {
        private final Block conv;
        private final Block bn;

        Unit(int channels, Norm norm) {
            conv = addChildBlock(
                    "conv",
                    Conv2d.builder()
                            .setKernelShape(new Shape(3, 3))
                            .optPadding(new Shape(1, 1))
                            .setFilters(channels)
                            .optBias(false)
                            .build());
            // torchvision's VGG: Kaiming normal, fan out, for ReLU
            conv.setInitializer(
                    new NormalInitializer((float) Math.sqrt(2.0 / (9.0 * channels))), Parameter.Type.WEIGHT);
            bn = addChildBlock("bn", norm.create(channels));
        }

        @Override
        protected NDList forwardInternal(
                ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray x = conv.forward(ps, inputs, training, params).singletonOrThrow();
            x = bn.forward(ps, new NDList(x), training, params).singletonOrThrow();
            return new NDList(Activation.relu(x));
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            conv.initialize(manager, dataType, inputShapes);
            bn.initialize(manager, dataType, conv.getOutputShapes(inputShapes));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return conv.getOutputShapes(inputShapes);
        }
    }
}
