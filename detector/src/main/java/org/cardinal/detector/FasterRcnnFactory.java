package org.cardinal.detector;

import java.util.List;
import org.cardinal.backbone.ResNet;
import org.cardinal.detector.ops.MultiScaleRoiAlign;

/**
 * Turns a {@link DetectorConfig} into the parts of a {@link FasterRcnn}, as detectron2's {@code
 * from_config}: the one place that reads the config and the one place that decides FPN versus
 * C4. Each part takes plain arguments, so a user who wants their own head or pooler calls the
 * methods they need here and assembles the rest with {@link FasterRcnn#builder()}:
 *
 * <pre>{@code
 * DetectorConfig c = DetectorConfig.load(Path.of("model.json"));
 * DetectionBackbone backbone = FasterRcnnFactory.backbone(c);
 * FasterRcnn model = FasterRcnn.builder()
 *         .setTransform(FasterRcnnFactory.transform(c))
 *         .setBackbone(backbone)
 *         .setRpn(FasterRcnnFactory.rpn(c, backbone))
 *         .setRoiHeads(myRoiHeads)
 *         .build();
 * }</pre>
 */
public final class FasterRcnnFactory {

    private FasterRcnnFactory() {}

    /**
     * @param config the model config
     * @return the detector it describes, uninitialized (call {@link
     *     FasterRcnn#initialize(ai.djl.ndarray.NDManager, ai.djl.ndarray.types.DataType, long)} or
     *     load weights next)
     */
    public static FasterRcnn create(DetectorConfig config) {
        DetectionBackbone backbone = backbone(config);
        return FasterRcnn.builder()
                .setTransform(transform(config))
                .setBackbone(backbone)
                .setRpn(rpn(config, backbone))
                .setRoiHeads(roiHeads(config, backbone))
                .build();
    }

    /**
     * @param c the model config
     * @return its normalization, resize and batching
     */
    public static GeneralizedRcnnTransform transform(DetectorConfig c) {
        return new GeneralizedRcnnTransform(c.minSize(), c.maxSize(), c.imageMean(), c.imageStd(), c.sizeDivisible());
    }

    /**
     * The ResNet/ResNeXt body without its classifier, with the config's normalization and {@code
     * 5 - trainable_backbone_layers} frozen stages (the stem counts as one), as torchvision's
     * {@code _resnet_fpn_extractor}.
     *
     * @param c the model config
     * @return the body
     */
    public static ResNet body(DetectorConfig c) {
        return ResNet.builder(c.backbone())
                .optNorm(c.backboneNorm())
                .optFrozenStages(5 - c.trainableBackboneLayers())
                .optIncludeTop(false)
                .build();
    }

    /**
     * @param c the model config
     * @return FPN: the body with a feature pyramid; C4: the body up to layer3
     */
    public static DetectionBackbone backbone(DetectorConfig c) {
        return switch (c.variant()) {
            case FPN -> new BackboneWithFpn(body(c), c.fpnChannels());
            case C4 -> new C4Backbone(body(c));
        };
    }

    /**
     * @param c the model config
     * @param backbone the backbone the RPN runs on (for its channels)
     * @return the region proposal network
     */
    public static RegionProposalNetwork rpn(DetectorConfig c, DetectionBackbone backbone) {
        int levels = c.anchorSizes().length;
        double[][] ratios = new double[levels][];
        for (int l = 0; l < levels; l++) {
            ratios[l] = c.aspectRatios().clone();
        }
        int anchorsPerLocation = c.anchorSizes()[0].length * c.aspectRatios().length;
        return new RegionProposalNetwork(
                new AnchorGenerator(c.anchorSizes(), ratios),
                new RpnHead(backbone.outChannels(), anchorsPerLocation),
                new RegionProposalNetwork.Params(
                        c.rpnPreNmsTopNTrain(),
                        c.rpnPreNmsTopNTest(),
                        c.rpnPostNmsTopNTrain(),
                        c.rpnPostNmsTopNTest(),
                        c.rpnNmsThresh(),
                        c.rpnFgIouThresh(),
                        c.rpnBgIouThresh(),
                        c.rpnBatchSizePerImage(),
                        c.rpnPositiveFraction(),
                        c.rpnScoreThresh()));
    }

    /**
     * FPN: RoIAlign on P2..P5 by name ("pool" feeds the RPN alone) and {@link TwoMlpHead}; C4:
     * RoIAlign on C4 and the body's own res5 stage as the box head ({@link ResNetC5Head}).
     *
     * @param c the model config
     * @param backbone the backbone the heads pool from
     * @return the box branch
     */
    public static RoiHeads roiHeads(DetectorConfig c, DetectionBackbone backbone) {
        int s = c.roiOutputSize();
        RoiHeads.Params params = new RoiHeads.Params(
                c.boxFgIouThresh(),
                c.boxBgIouThresh(),
                c.boxBatchSizePerImage(),
                c.boxPositiveFraction(),
                c.bboxRegWeights(),
                c.boxScoreThresh(),
                c.boxNmsThresh(),
                c.boxDetectionsPerImg());
        return switch (c.variant()) {
            case FPN ->
                new RoiHeads(
                        new MultiScaleRoiAlign(pooledLevels(backbone), s, c.samplingRatio()),
                        new TwoMlpHead((long) backbone.outChannels() * s * s, c.representationSize()),
                        new FastRcnnPredictor(c.representationSize(), c.numClasses()),
                        params);
            case C4 -> {
                ResNet body = (ResNet) backbone.body();
                int c5 = body.config().stageChannels()[3];
                yield new RoiHeads(
                        new MultiScaleRoiAlign(List.of("0"), s, c.samplingRatio()),
                        new ResNetC5Head(body.layer(4), c5),
                        new FastRcnnPredictor(c5, c.numClasses()),
                        params);
            }
        };
    }

    /** @return the backbone's maps the FPN box head pools from: all but "pool" (torchvision's) */
    private static List<String> pooledLevels(DetectionBackbone backbone) {
        return backbone.featureNames().stream().filter(n -> !n.equals("pool")).toList();
    }
}
