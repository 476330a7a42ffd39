package org.cardinal.backbone;

import static org.cardinal.core.train.Temporaries.release;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.UniformInitializer;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;
import org.cardinal.backbone.spi.FeatureExtractor;
import org.cardinal.backbone.spi.StageView;

/**
 * ResNet / ResNeXt backbone (He et al. 2016; Xie et al. 2017) with torchvision's layout and
 * parameter names: {@code conv1, bn1, layer1..layer4 (units 0, 1, ...), fc}.
 *
 * <p>Input: NCHW float32, already normalized. {@link #forward} returns C2, C3, C4, C5 (the outputs
 * of layer1..layer4 at strides 4, 8, 16, 32 with {@link BackboneConfig#stageChannels()} channels;
 * arrays named "C2".."C5"), followed by the logits (N, numClasses) of global average pooling + fc
 * when the top is included. Spatial sizes follow floor-mode convolution arithmetic, e.g. 224 ->
 * 56, 28, 14, 7.
 *
 * <p>Build with {@code ResNet.builder(BackboneConfig.named("resnext50_32x4d")).optNorm(Norm.FROZEN)
 * .optFrozenStages(2).optIncludeTop(false).build()}.
 */
public final class ResNet extends AbstractBlock implements FeatureExtractor {

    /** Names of the four stage outputs, in order. */
    public static final List<String> STAGE_NAMES = List.of("C2", "C3", "C4", "C5");

    private final BackboneConfig config;
    private final Norm norm;
    private final int frozenStages;
    private final boolean includeTop;
    private final Block conv1;
    private final Block bn1;
    private final List<IndexedSequential> layers = new ArrayList<>();
    private final Linear fc;
    private final Block stem;
    private final List<Block> stages = new ArrayList<>();

    private ResNet(Builder b) {
        config = b.config;
        norm = b.norm;
        frozenStages = b.frozenStages;
        includeTop = b.includeTop;
        int base = config.baseChannels();
        conv1 = addChildBlock("conv1", KaimingConv.of(base, 7, 2, 3, 1));
        bn1 = addChildBlock("bn1", norm.create(base));
        int in = base;
        int[] out = config.stageChannels();
        for (int stage = 1; stage <= 4; stage++) {
            IndexedSequential layer = new IndexedSequential();
            for (int unit = 0; unit < config.layers()[stage - 1]; unit++) {
                int stride = unit == 0 && stage > 1 ? 2 : 1;
                layer.add(unit(in, stage, stride));
                in = out[stage - 1];
            }
            layers.add(addChildBlock("layer" + stage, layer));
        }
        if (includeTop) {
            fc = addChildBlock(
                    "fc",
                    Linear.builder().setUnits(config.numClasses()).optBias(true).build());
            // torch.nn.Linear's default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias.
            float bound = (float) (1.0 / Math.sqrt(in));
            fc.setInitializer(new UniformInitializer(bound), Parameter.Type.WEIGHT);
            fc.setInitializer(new UniformInitializer(bound), Parameter.Type.BIAS);
        } else {
            fc = null;
        }
        stem = new Stem();
        for (int i = 0; i < 4; i++) {
            stages.add(new Stage(i));
        }
        freeze();
    }

    private ResidualBlock unit(int in, int stage, int stride) {
        if (config.isBottleneck()) {
            return new Bottleneck(
                    in,
                    config.groupWidth(stage),
                    config.stageChannels()[stage - 1],
                    stride,
                    config.cardinality(),
                    norm);
        }
        return new BasicBlock(in, config.planes(stage), stride, norm);
    }

    /** Stem (k >= 1) and layer1..layer(k-1) never get gradients. */
    private void freeze() {
        if (frozenStages >= 1) {
            conv1.freezeParameters(true);
            bn1.freezeParameters(true);
        }
        for (int i = 1; i < frozenStages; i++) {
            layers.get(i - 1).freezeParameters(true);
        }
    }

    /** A builder for the given architecture (defaults: BATCH norm, nothing frozen, top included). */
    public static Builder builder(BackboneConfig config) {
        return new Builder(config);
    }

    /** The architecture. */
    public BackboneConfig config() {
        return config;
    }

    /** @return the architecture */
    @Override
    public BackboneConfig spec() {
        return config;
    }

    /**
     * @param i 0..3: stage 0 is the stem and layer1 (to C2), stage i is layer(i + 1) (to C(i + 2))
     * @return the stage as a view over this network's parameters, cutting the gradient after the
     *     frozen stages as {@link #forward} does
     */
    @Override
    public Block stage(int i) {
        if (i < 0 || i > 3) {
            throw new IllegalArgumentException("stage index must be 0..3, got " + i);
        }
        return stages.get(i);
    }

    /** The normalization used after every conv. */
    public Norm norm() {
        return norm;
    }

    /** Number of frozen stages (0 none, 1 stem, 2 stem + layer1, ... 5 everything but fc). */
    public int frozenStages() {
        return frozenStages;
    }

    /** Whether {@code fc} and the logits output exist. */
    public boolean includeTop() {
        return includeTop;
    }

    /**
     * The stem (conv1, bn1, ReLU, 3x3/2 max pool): NCHW input to stride-4 features with {@code
     * baseChannels} channels. It owns no parameters itself: it runs this network's {@code conv1} and
     * {@code bn1}, so it can be called by a detector that holds this ResNet as a child.
     */
    public Block stem() {
        return stem;
    }

    /** Stage {@code i} (1..4), i.e. torchvision's {@code layer<i>}; layer1 gives C2, layer4 C5. */
    public Block layer(int i) {
        if (i < 1 || i > 4) {
            throw new IllegalArgumentException("layer index must be 1..4, got " + i);
        }
        return layers.get(i - 1);
    }

    /** The classification layer, or null without the top. */
    public Block fc() {
        return fc;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDList out = new NDList(includeTop ? 5 : 4);
        for (Block stage : stages) {
            x = stage.forward(ps, new NDList(x), training, params).singletonOrThrow();
            out.add(x);
        }
        if (includeTop) {
            // Global average pooling; the engine's mean reduces one axis at a time, so flatten H*W first.
            Shape s = x.getShape();
            NDArray flat = x.reshape(s.get(0), s.get(1), -1);
            NDArray pooled = release(flat, flat.mean(new int[] {2}), x);
            NDArray logits = release(
                    pooled, fc.forward(ps, new NDList(pooled), training, params).singletonOrThrow(), x);
            logits.setName("logits");
            out.add(logits);
        }
        return out;
    }

    private NDArray runStem(ParameterStore ps, NDArray input, boolean training, PairList<String, Object> params) {
        if (input.getShape().dimension() != 4) {
            throw new IllegalArgumentException(
                    config.name() + ": expected an NCHW input, got shape " + input.getShape());
        }
        if (input.getShape().get(1) != 3) {
            throw new IllegalArgumentException(
                    config.name() + ": expected 3 input channels (RGB), got shape " + input.getShape());
        }
        NDArray x = conv1.forward(ps, new NDList(input), training, params).singletonOrThrow();
        x = release(x, bn1.forward(ps, new NDList(x), training, params).singletonOrThrow(), input);
        x = release(x, Activation.relu(x), input);
        return release(x, Pool.maxPool2d(x, new Shape(3, 3), new Shape(2, 2), new Shape(1, 1), false), input);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape[] shapes = inputShapes;
        conv1.initialize(manager, dataType, shapes);
        shapes = conv1.getOutputShapes(shapes);
        bn1.initialize(manager, dataType, shapes);
        shapes = stem.getOutputShapes(inputShapes);
        for (IndexedSequential layer : layers) {
            layer.initialize(manager, dataType, shapes);
            shapes = layer.getOutputShapes(shapes);
        }
        if (fc != null) {
            fc.initialize(manager, dataType, new Shape(shapes[0].get(0), config.outChannels()));
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape[] shapes = stem.getOutputShapes(inputShapes);
        Shape[] out = new Shape[includeTop ? 5 : 4];
        for (int i = 0; i < 4; i++) {
            shapes = layers.get(i).getOutputShapes(shapes);
            out[i] = shapes[0];
        }
        if (includeTop) {
            out[4] = new Shape(inputShapes[0].get(0), config.numClasses());
        }
        return out;
    }

    @Override
    public String toString() {
        return "ResNet(" + config.name() + ", norm=" + norm + ", frozenStages=" + frozenStages + ", includeTop="
                + includeTop + ")";
    }

    /** Stage i (0..3) as a parameterless view: (the stem and) layer(i + 1), named C(i + 2). */
    private final class Stage extends StageView {
        private final int index;

        Stage(int index) {
            this.index = index;
        }

        @Override
        protected NDList forwardInternal(
                ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray input = inputs.singletonOrThrow();
            NDArray x = input;
            if (index == 0) {
                x = runStem(ps, x, training, params);
                if (frozenStages == 1) {
                    x = release(x, x.stopGradient(), input);
                }
            }
            x = release(
                    x,
                    layers.get(index)
                            .forward(ps, new NDList(x), training, params)
                            .singletonOrThrow(),
                    input);
            // Cutting the graph after the last frozen stage saves its backward pass entirely.
            if (frozenStages == index + 2) {
                x = release(x, x.stopGradient(), input);
            }
            x.setName(STAGE_NAMES.get(index));
            return new NDList(x);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            Shape[] in = index == 0 ? stem.getOutputShapes(inputShapes) : inputShapes;
            return layers.get(index).getOutputShapes(in);
        }

        @Override
        public String toString() {
            return "Stage(" + (index == 0 ? "stem, " : "") + "layer" + (index + 1) + ")";
        }
    }

    /** The stem as a parameterless view over conv1 and bn1 of the enclosing network. */
    private final class Stem extends StageView {
        @Override
        protected NDList forwardInternal(
                ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            return new NDList(runStem(ps, inputs.singletonOrThrow(), training, params));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            Shape in = inputShapes[0];
            long h = KaimingConv.outSize(KaimingConv.outSize(in.get(2), 7, 2, 3), 3, 2, 1);
            long w = KaimingConv.outSize(KaimingConv.outSize(in.get(3), 7, 2, 3), 3, 2, 1);
            return new Shape[] {new Shape(in.get(0), config.baseChannels(), h, w)};
        }

        @Override
        public String toString() {
            return "Stem(conv1, bn1, relu, maxpool 3x3/2)";
        }
    }

    /** Builder of {@link ResNet}. */
    public static final class Builder {
        private final BackboneConfig config;
        private Norm norm = Norm.BATCH;
        private int frozenStages;
        private boolean includeTop = true;

        private Builder(BackboneConfig config) {
            if (config == null) {
                throw new IllegalArgumentException("backbone config must not be null");
            }
            this.config = config;
        }

        /** Normalization after each conv (default {@link Norm#BATCH}). */
        public Builder optNorm(Norm norm) {
            this.norm = norm;
            return this;
        }

        /** Freezes the stem (k >= 1) and layer1..layer(k-1); 0 (default) freezes nothing, 5 all. */
        public Builder optFrozenStages(int k) {
            if (k < 0 || k > 5) {
                throw new IllegalArgumentException("frozen stages must be 0..5, got " + k);
            }
            this.frozenStages = k;
            return this;
        }

        /** Whether to add global average pooling + {@code fc} and return logits (default true). */
        public Builder optIncludeTop(boolean includeTop) {
            this.includeTop = includeTop;
            return this;
        }

        /** Builds the uninitialized network; call {@code initialize} (or a Trainer) next. */
        public ResNet build() {
            return new ResNet(this);
        }
    }
}
