package org.cardinal.detector;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.cardinal.backbone.weights.StateDicts;
import org.cardinal.core.train.InPlace;
import org.cardinal.core.train.Nnpack;
import org.cardinal.core.train.Seeds;

/**
 * Faster R-CNN (Ren et al. 2015) as torchvision's {@code GeneralizedRCNN}: transform, backbone,
 * {@link RegionProposalNetwork}, {@link RoiHeads}, and the transform's postprocess. A DJL {@link
 * ai.djl.nn.Block} with torchvision's parameter names ({@code backbone.body.layer1.0.conv1.weight},
 * {@code rpn.head.cls_logits.weight}, {@code roi_heads.box_predictor.cls_score.weight}, ...), so
 * that {@code Model}, {@code ParameterStore} and torchvision checkpoints all work.
 *
 * <p>Assembled from its parts with {@link #builder()}, as torchvision's {@code FasterRCNN(backbone,
 * rpn_..., box_roi_pool=..., box_head=..., box_predictor=...)}: any part can be a user's own.
 * {@link FasterRcnnFactory#create} builds the parts a {@link DetectorConfig} describes.
 *
 * <p>Images are CHW float32 RGB in [0, 1] of any size; boxes x1, y1, x2, y2 in pixels of the
 * given image; labels int64 with 0 = background. {@link #forward} layout: inference input {@code
 * [img_0 .. img_{B-1}]} gives {@code [boxes_0, scores_0, labels_0, ...]}; training input {@code
 * [img_0 .. img_{B-1}, boxes_0, labels_0, .., boxes_{B-1}, labels_{B-1}]} gives the four named
 * scalar losses {@code loss_objectness, loss_rpn_box_reg, loss_classifier, loss_box_reg}.
 */
public final class FasterRcnn extends AbstractBlock implements TrainableDetector {

    /** Names of the losses, in the order of the training forward's output. */
    public static final List<String> LOSS_NAMES =
            List.of("loss_objectness", "loss_rpn_box_reg", "loss_classifier", "loss_box_reg");

    private final GeneralizedRcnnTransform transform;
    private final DetectionBackbone backbone;
    private final RegionProposalNetwork rpn;
    private final RoiHeads roiHeads;
    private volatile StageListener stages = StageListener.NONE;

    private FasterRcnn(Builder b) {
        transform = Objects.requireNonNull(b.transform, "transform");
        backbone = addChildBlock("backbone", Objects.requireNonNull(b.backbone, "backbone"));
        rpn = addChildBlock("rpn", Objects.requireNonNull(b.rpn, "rpn"));
        roiHeads = addChildBlock("roi_heads", Objects.requireNonNull(b.roiHeads, "roiHeads"));
    }

    /** @return a builder; every part must be set */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the input transform */
    public GeneralizedRcnnTransform transform() {
        return transform;
    }

    /** @return the backbone (child {@code backbone}) */
    public DetectionBackbone backbone() {
        return backbone;
    }

    /** @return the region proposal network (child {@code rpn}) */
    public RegionProposalNetwork rpn() {
        return rpn;
    }

    /** @return the box branch (child {@code roi_heads}) */
    public RoiHeads roiHeads() {
        return roiHeads;
    }

    /** @return this block */
    @Override
    public FasterRcnn block() {
        return this;
    }

    /**
     * @param listener told when each stage of {@link #losses} and {@link #detect} starts and ends
     *     ({@link StageListener#NONE} to stop)
     */
    @Override
    public void setStageListener(StageListener listener) {
        stages = Objects.requireNonNull(listener);
    }

    /**
     * Initializes every parameter, each from its own random stream derived from (seed, its
     * torchvision name): two models that share a part start with bit-identical weights in it,
     * whatever their other parts are. This is what makes a backbone swap a controlled experiment.
     * The streams are the engine's one random generator, re-seeded per parameter: initializations
     * in one JVM take turns, and the generator is left seeded by the last parameter.
     *
     * @param manager where the parameters live
     * @param dataType parameter type (float32)
     * @param seed the run's seed
     */
    public void initialize(NDManager manager, DataType dataType, long seed) {
        synchronized (Engine.class) {
            initialize(manager, dataType, new Shape(1, 3, 64, 64));
            for (Map.Entry<String, Parameter> e :
                    StateDicts.namedParameters(this).entrySet()) {
                Parameter p = e.getValue();
                if (p.getInitializer() == null) {
                    continue;
                }
                Engine.getInstance().setRandomSeed(Seeds.toInt(Seeds.derive(seed, e.getKey())));
                NDArray target = p.getArray();
                NDArray fresh = p.getInitializer().initialize(target.getManager(), target.getShape(), dataType);
                InPlace.copy(fresh, target);
                fresh.close();
            }
        }
    }

    /**
     * DJL's initialization, which draws from the engine's one generator: it takes turns with the
     * seeded initializations of other threads, whose draws it would otherwise move.
     */
    @Override
    public void initialize(NDManager manager, DataType dataType, Shape... inputShapes) {
        synchronized (Engine.class) {
            super.initialize(manager, dataType, inputShapes);
        }
    }

    /**
     * Training losses of a batch. Call inside a {@code GradientCollector} and back-propagate their
     * sum.
     *
     * @param ps the parameter store
     * @param images CHW float32 RGB in [0, 1]
     * @param targets per image ground truth in the given images' pixels, with its sampling seed
     * @return {@code loss_objectness, loss_rpn_box_reg, loss_classifier, loss_box_reg} (scalars)
     */
    @Override
    public Map<String, NDArray> losses(ParameterStore ps, List<NDArray> images, List<Target> targets) {
        if (targets == null || targets.size() != images.size()) {
            throw new IllegalArgumentException("expected one target per image, got "
                    + (targets == null ? 0 : targets.size())
                    + " targets for "
                    + images.size()
                    + " images");
        }
        ImageList batch;
        List<Target> resized = new ArrayList<>(targets.size());
        try (var s = stages.stage("transform")) {
            batch = transform.apply(images);
            for (int i = 0; i < targets.size(); i++) {
                Target t = checkTarget(targets.get(i), i);
                resized.add(t.withBoxes(GeneralizedRcnnTransform.resizeBoxes(
                        t.boxes(), imageSize(images.get(i)), batch.imageSizes().get(i))));
            }
        }
        NDList features;
        try (var s = stages.stage("backbone")) {
            features = backbone.forward(ps, new NDList(batch.tensors()), true);
        }
        RegionProposalNetwork.Output proposals;
        try (var s = stages.stage("rpn")) {
            proposals = rpn.propose(ps, batch, features, resized, true);
        }
        RoiHeads.Output heads;
        try (var s = stages.stage("roi_heads")) {
            heads = roiHeads.apply(ps, features, proposals.proposals(), batch.imageSizes(), resized, true);
        }
        // The maps are the caller's to close (DetectionBackbone), and used by now: what backward
        // needs of them, autograd keeps.
        features.close();
        Map<String, NDArray> losses = new LinkedHashMap<>();
        losses.putAll(proposals.losses());
        losses.putAll(heads.losses());
        return losses;
    }

    /**
     * Detects objects.
     *
     * @param ps the parameter store
     * @param images CHW float32 RGB in [0, 1]
     * @return per image detections in the given images' pixels, by decreasing score
     */
    @Override
    public List<Detections> detect(ParameterStore ps, List<NDArray> images) {
        warm(ps, images);
        // Inference keeps only the detections: every other array the call makes is freed when the
        // scope closes, or before (the backbone frees its intermediates as it goes).
        try (NDScope scope = new NDScope()) {
            ImageList batch;
            try (var s = stages.stage("transform")) {
                batch = transform.apply(images);
            }
            NDList features;
            try (var s = stages.stage("backbone")) {
                features = backbone.forward(ps, new NDList(batch.tensors()), false);
            }
            RegionProposalNetwork.Output proposals;
            try (var s = stages.stage("rpn")) {
                proposals = rpn.propose(ps, batch, features, null, false);
            }
            RoiHeads.Output heads;
            try (var s = stages.stage("roi_heads")) {
                heads = roiHeads.apply(ps, features, proposals.proposals(), batch.imageSizes(), null, false);
            }
            features.close();
            try (var s = stages.stage("postprocess")) {
                List<int[]> original = new ArrayList<>(images.size());
                for (NDArray im : images) {
                    original.add(imageSize(im));
                }
                List<Detections> out =
                        GeneralizedRcnnTransform.postprocess(heads.detections(), batch.imageSizes(), original);
                for (Detections d : out) {
                    NDScope.unregister(d.boxes(), d.scores(), d.labels());
                }
                return out;
            }
        }
    }

    /**
     * RPN proposals of a batch in inference mode, in pixels of the given images (for parity tests
     * and inspection).
     *
     * @param ps the parameter store
     * @param images CHW float32 RGB in [0, 1]
     * @return per image (P_i, 4) proposals, by decreasing objectness
     */
    public List<NDArray> proposals(ParameterStore ps, List<NDArray> images) {
        warm(ps, images);
        ImageList batch = transform.apply(images);
        NDList features = backbone.forward(ps, new NDList(batch.tensors()), false);
        List<NDArray> props = rpn.propose(ps, batch, features, null, false).proposals();
        features.close();
        List<NDArray> out = new ArrayList<>(props.size());
        for (int i = 0; i < props.size(); i++) {
            out.add(GeneralizedRcnnTransform.resizeBoxes(
                    props.get(i), batch.imageSizes().get(i), imageSize(images.get(i))));
        }
        return out;
    }

    /**
     * Makes the parameter store hold every parameter's array for this device before any {@link
     * NDScope} opens, so that a device copy it creates is never closed with a scope.
     */
    private void warm(ParameterStore ps, List<NDArray> images) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("expected at least one image");
        }
        Device device = images.get(0).getDevice();
        for (Parameter p : getParameters().values()) {
            ps.getValue(p, device, false);
        }
    }

    private static int[] imageSize(NDArray image) {
        Shape s = image.getShape();
        if (s.dimension() != 3) {
            throw new IllegalArgumentException("expected a CHW image, found shape " + s);
        }
        return new int[] {(int) s.get(1), (int) s.get(2)};
    }

    private static Target checkTarget(Target t, int i) {
        Shape b = t.boxes().getShape();
        Shape l = t.labels().getShape();
        if (b.dimension() != 2 || b.get(1) != 4) {
            throw new IllegalArgumentException("target " + i + ": boxes must be (N, 4), found " + b);
        }
        if (l.dimension() != 1 || l.get(0) != b.get(0)) {
            throw new IllegalArgumentException(
                    "target " + i + ": labels must be (N) with N = " + b.get(0) + ", found " + l);
        }
        return t;
    }

    /** See the class comment for the input and output layouts. */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        if (!training) {
            List<Detections> dets = detect(ps, inputs);
            NDList out = new NDList(3 * dets.size());
            for (int i = 0; i < dets.size(); i++) {
                Detections d = dets.get(i);
                d.boxes().setName("boxes_" + i);
                d.scores().setName("scores_" + i);
                d.labels().setName("labels_" + i);
                out.add(d.boxes());
                out.add(d.scores());
                out.add(d.labels());
            }
            return out;
        }
        if (inputs.size() % 3 != 0) {
            throw new IllegalArgumentException(
                    "training input must be [images.., (boxes, labels)..] (3B arrays), found " + inputs.size());
        }
        int b = inputs.size() / 3;
        List<NDArray> images = new ArrayList<>(inputs.subList(0, b));
        List<Target> targets = new ArrayList<>(b);
        for (int i = 0; i < b; i++) {
            targets.add(new Target(inputs.get(b + 2 * i), inputs.get(b + 2 * i + 1), i));
        }
        Map<String, NDArray> losses = losses(ps, images, targets);
        NDList out = new NDList(LOSS_NAMES.size());
        for (String name : LOSS_NAMES) {
            NDArray loss = losses.get(name);
            loss.setName(name);
            out.add(loss);
        }
        return out;
    }

    /** Each part is initialized with the shapes it takes: channels come from the backbone. */
    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
        backbone.initialize(manager, dataType, new Shape(1, 3, 64, 64));
        long c = backbone.outputShapes().get(0).channels();
        rpn.initialize(manager, dataType, new Shape(1, c, 8, 8));
        int s = roiHeads.boxRoiPool().outputSize();
        roiHeads.initialize(manager, dataType, new Shape(1, c, s, s));
    }

    /** Output shapes depend on the data (number of detections); only the count is fixed. */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape[] out = new Shape[3 * inputShapes.length];
        for (int i = 0; i < inputShapes.length; i++) {
            out[3 * i] = new Shape(-1, 4);
            out[3 * i + 1] = new Shape(-1);
            out[3 * i + 2] = new Shape(-1);
        }
        return out;
    }

    /** Assembles a {@link FasterRcnn} from its parts; all four are required. */
    public static final class Builder {
        private GeneralizedRcnnTransform transform;
        private DetectionBackbone backbone;
        private RegionProposalNetwork rpn;
        private RoiHeads roiHeads;

        private Builder() {}

        /**
         * @param transform normalization, resize and batching of the input images
         * @return this builder
         */
        public Builder setTransform(GeneralizedRcnnTransform transform) {
            this.transform = transform;
            return this;
        }

        /**
         * @param backbone named feature maps from a batch
         * @return this builder
         */
        public Builder setBackbone(DetectionBackbone backbone) {
            this.backbone = backbone;
            return this;
        }

        /**
         * @param rpn proposals from the feature maps; its head takes the backbone's channels
         * @return this builder
         */
        public Builder setRpn(RegionProposalNetwork rpn) {
            this.rpn = rpn;
            return this;
        }

        /**
         * @param roiHeads detections from proposals; its pooler names maps of the backbone
         * @return this builder
         */
        public Builder setRoiHeads(RoiHeads roiHeads) {
            this.roiHeads = roiHeads;
            return this;
        }

        /** @return the detector (uninitialized: call {@link #initialize(NDManager, DataType, long)}) */
        public FasterRcnn build() {
            // libtorch offers a detector's small convolutions to NNPACK, warning each time where it cannot run
            Nnpack.offWhereUnsupported();
            return new FasterRcnn(this);
        }
    }
}
