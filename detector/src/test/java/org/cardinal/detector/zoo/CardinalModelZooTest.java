package org.cardinal.detector.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.MalformedModelException;
import ai.djl.inference.Predictor;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.modality.cv.output.BoundingBox;
import ai.djl.modality.cv.output.DetectedObjects;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelLoader;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ModelZoo;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.repository.zoo.ZooProvider;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.cardinal.backbone.weights.StateDicts;
import org.cardinal.core.config.ConfigPath;
import org.cardinal.detector.Detections;
import org.cardinal.detector.DetectorConfig;
import org.cardinal.detector.FasterRcnn;
import org.cardinal.detector.FasterRcnnFactory;
import org.cardinal.detector.data.SyntheticCocoGenerator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CardinalModelZooTest {

    /** A Faster R-CNN small enough to build and run in a second on a CPU. */
    static final String TINY = "{\"backbone\": \"resnet_tiny\", \"num_classes\": 3, \"min_size\": 64, \"max_size\": 96,"
            + " \"fpn_channels\": 16, \"representation_size\": 32, \"box_score_thresh\": 0.0,"
            + " \"rpn_pre_nms_top_n_test\": 50, \"rpn_post_nms_top_n_test\": 20}";

    @TempDir
    static Path dir;

    static Path repo;
    static Path imageFile;
    static DetectorConfig config;

    @BeforeAll
    static void writeTinyArtifactAndImage() throws IOException {
        config = DetectorConfig.fromJson(JsonParser.parseString(TINY).getAsJsonObject(), ConfigPath.root("test"));
        repo = dir.resolve("repo");
        try (NDManager manager = NDManager.newBaseManager()) {
            FasterRcnn net = FasterRcnnFactory.create(config);
            net.initialize(manager, DataType.FLOAT32);
            new DetectorArtifact(
                            "tiny",
                            "random weights for tests",
                            config,
                            List.of("circle", "square"),
                            new int[] {1, 5},
                            "test",
                            null)
                    .write(repo.resolve("tiny"), StateDicts.export(net));
        }
        Path data = new SyntheticCocoGenerator(
                        SyntheticCocoGenerator.Options.defaults().withImages(1, 1))
                .ensure(dir.resolve("data"));
        imageFile = data.resolve("val").resolve("000001.png");
    }

    @AfterEach
    void clearProperties() {
        System.clearProperty("cardinal.zoo");
    }

    @Test
    void serviceLoaderRegistersTheZoo() {
        assertTrue(ModelZoo.hasModelZoo(CardinalModelZoo.GROUP_ID));
    }

    @Test
    void loadsByArtifactIdThroughCriteriaAndGivesTheModelsDetections() throws Exception {
        System.setProperty("cardinal.zoo", repo.toString());
        Criteria<Image, DetectedObjects> criteria = Criteria.builder()
                .setTypes(Image.class, DetectedObjects.class)
                .optGroupId(CardinalModelZoo.GROUP_ID)
                .optArtifactId("tiny")
                .build();
        Image image = ImageFactory.getInstance().fromFile(imageFile);
        DetectedObjects viaZoo;
        try (ZooModel<Image, DetectedObjects> model = criteria.loadModel();
                Predictor<Image, DetectedObjects> predictor = model.newPredictor()) {
            viaZoo = predictor.predict(image);
        }
        assertTrue(viaZoo.getNumberOfObjects() > 0, "score threshold 0 keeps detections of random weights");

        // The same weights loaded by hand give the same boxes; a fresh random model does not.
        try (NDManager manager = NDManager.newBaseManager()) {
            FasterRcnn net = FasterRcnnFactory.create(config);
            net.initialize(manager, DataType.FLOAT32);
            FasterRcnn fresh = FasterRcnnFactory.create(config);
            fresh.initialize(manager, DataType.FLOAT32);
            DetectorArtifact artifact = DetectorArtifact.read(repo.resolve("tiny"));
            org.cardinal.detector.DetectorWeights.loadTorchvision(
                    net, org.cardinal.backbone.weights.StateDict.read(artifact.weightsFile()), true);
            NDArray chw = image.toNDArray(manager, Image.Flag.COLOR)
                    .transpose(2, 0, 1)
                    .toType(DataType.FLOAT32, false)
                    .div(255f);
            Detections direct =
                    net.detect(new ParameterStore(manager, false), List.of(chw)).get(0);
            Detections other = fresh.detect(new ParameterStore(manager, false), List.of(chw))
                    .get(0);
            float[] boxes = direct.boxes().toFloatArray();
            float[] scores = direct.scores().toFloatArray();
            long[] labels = direct.labels().toLongArray();
            assertEquals(scores.length, viaZoo.getNumberOfObjects());
            List<DetectedObjects.DetectedObject> items = viaZoo.items();
            for (int i = 0; i < scores.length; i++) {
                DetectedObjects.DetectedObject o = items.get(i);
                assertEquals(scores[i], o.getProbability(), 1e-6);
                assertEquals(labels[i] == 1 ? "circle" : "square", o.getClassName());
                BoundingBox b = o.getBoundingBox();
                // all four coordinates: DJL's relative x, y, width, height from the model's x1, y1, x2, y2
                double w = image.getWidth();
                double h = image.getHeight();
                assertEquals(boxes[4 * i] / w, b.getBounds().getX(), 1e-5, "detection " + i + " x");
                assertEquals(boxes[4 * i + 1] / h, b.getBounds().getY(), 1e-5, "detection " + i + " y");
                assertEquals(
                        (boxes[4 * i + 2] - boxes[4 * i]) / w,
                        b.getBounds().getWidth(),
                        1e-5,
                        "detection " + i + " width");
                assertEquals(
                        (boxes[4 * i + 3] - boxes[4 * i + 1]) / h,
                        b.getBounds().getHeight(),
                        1e-5,
                        "detection " + i + " height");
            }
            assertFalse(
                    java.util.Arrays.equals(scores, other.scores().toFloatArray()),
                    "a model with other weights must give other scores");
        }
    }

    @Test
    void loadsFromAUrlRepositoryWithAnIndexThroughACache(@TempDir Path tmp) throws Exception {
        ArtifactRepository.writeIndex(repo);
        Path zip = tmp.resolve("zoo.zip");
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip));
                Stream<Path> files = Files.walk(repo)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                out.putNextEntry(
                        new ZipEntry("models/" + repo.relativize(f).toString().replace('\\', '/')));
                Files.copy(f, (OutputStream) out);
                out.closeEntry();
            }
        }
        System.setProperty("cardinal.cache", tmp.resolve("cache").toString());
        try {
            String url = "jar:" + zip.toUri() + "!/models";
            assertEquals(List.of("tiny"), ArtifactRepository.of(url).list());
            Criteria<Image, DetectedObjects> criteria = Criteria.builder()
                    .setTypes(Image.class, DetectedObjects.class)
                    .optModelZoo(CardinalModelZoo.of(url))
                    .optArtifactId("tiny")
                    .build();
            try (ZooModel<Image, DetectedObjects> model = criteria.loadModel();
                    Predictor<Image, DetectedObjects> predictor = model.newPredictor()) {
                assertTrue(predictor
                                .predict(ImageFactory.getInstance().fromFile(imageFile))
                                .getNumberOfObjects()
                        > 0);
            }
            try (Stream<Path> cached = Files.walk(tmp.resolve("cache"))) {
                assertTrue(cached.anyMatch(p -> p.endsWith(DetectorArtifact.WEIGHTS)), "downloaded into the cache");
            }
        } finally {
            System.clearProperty("cardinal.cache");
        }
    }

    @Test
    void unknownArtifactIsNotFoundAndABrokenOneNamesItsFile(@TempDir Path tmp) throws Exception {
        Criteria<Image, DetectedObjects> unknown = Criteria.builder()
                .setTypes(Image.class, DetectedObjects.class)
                .optModelZoo(CardinalModelZoo.of(repo))
                .optArtifactId("no_such_model")
                .build();
        assertThrows(ModelNotFoundException.class, unknown::loadModel);

        Path broken = tmp.resolve("repo").resolve("broken");
        Files.createDirectories(broken);
        for (String f : DetectorArtifact.FILES) {
            Files.copy(repo.resolve("tiny").resolve(f), broken.resolve(f));
        }
        Files.writeString(
                broken.resolve(DetectorArtifact.METADATA),
                "{\"format\": \"cardinal-detector\", \"category_ids\": [1]}");
        Criteria<Image, DetectedObjects> bad = Criteria.builder()
                .setTypes(Image.class, DetectedObjects.class)
                .optModelZoo(CardinalModelZoo.of(tmp.resolve("repo")))
                .optArtifactId("broken")
                .build();
        MalformedModelException e = assertThrows(MalformedModelException.class, bad::loadModel);
        assertTrue(e.getMessage().contains("broken") && e.getMessage().contains("class names"), e.getMessage());
    }

    /**
     * A configured repository whose URL refuses connections is skipped: Cardinal's other
     * repository still serves its artifact, and a Criteria without a group id, for which DJL asks
     * every registered zoo (Cardinal's included) for its models, still finds another zoo's model.
     */
    @Test
    void anUnreachableRepositoryIsSkippedAndOtherZoosStillResolve(@TempDir Path tmp) throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort(); // free once closed: connections to it are refused
        }
        System.setProperty("cardinal.zoo", "http://127.0.0.1:" + closed + "/models/," + repo);
        assertEquals(
                List.of("tiny"),
                CardinalModelZoo.configured().getModelLoaders().stream()
                        .map(ModelLoader::getArtifactId)
                        .toList());
        try (ZooModel<Image, DetectedObjects> model = Criteria.builder()
                .setTypes(Image.class, DetectedObjects.class)
                .optGroupId(CardinalModelZoo.GROUP_ID)
                .optArtifactId("tiny")
                .build()
                .loadModel()) {
            assertEquals("tiny", model.getProperty("artifact_id"));
        }

        Path otherRepo = tmp.resolve("other");
        Files.createDirectories(otherRepo.resolve("other_tiny"));
        for (String f : DetectorArtifact.FILES) {
            Files.copy(
                    repo.resolve("tiny").resolve(f),
                    otherRepo.resolve("other_tiny").resolve(f));
        }
        ModelZoo other = new ModelZoo() {
            @Override
            public String getGroupId() {
                return "org.cardinal.test.other";
            }

            @Override
            public Set<String> getSupportedEngines() {
                return Set.of(DetectorModelLoader.ENGINE);
            }

            @Override
            public Collection<ModelLoader> getModelLoaders() {
                return List.of(new DetectorModelLoader(ArtifactRepository.of(otherRepo.toString()), "other_tiny"));
            }
        };
        ModelZoo.registerModelZoo(new ZooProvider() {
            @Override
            public ModelZoo getModelZoo() {
                return other;
            }
        });
        try (ZooModel<Image, DetectedObjects> model = Criteria.builder()
                .setTypes(Image.class, DetectedObjects.class)
                .optArtifactId("other_tiny")
                .build()
                .loadModel()) {
            assertEquals("other_tiny", model.getProperty("artifact_id"));
        }
    }

    /**
     * An artifact's id names the tools' output folder (runs/predict/ID): an artifact.json, which may
     * come from anywhere, cannot make it a path that leaves that folder, and no artifact is made
     * with such an id.
     */
    @Test
    void anArtifactIdThatIsNotOneFolderNameIsRefused(@TempDir Path tmp) throws Exception {
        Path copy = tmp.resolve("copied");
        Files.createDirectories(copy);
        for (String f : DetectorArtifact.FILES) {
            Files.copy(repo.resolve("tiny").resolve(f), copy.resolve(f));
        }
        for (String id : List.of("..", "../../outside", "a/b")) {
            Files.writeString(
                    copy.resolve(DetectorArtifact.METADATA),
                    Files.readString(repo.resolve("tiny").resolve(DetectorArtifact.METADATA))
                            .replace("\"artifact_id\": \"tiny\"", "\"artifact_id\": \"" + id + "\""));
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> DetectorArtifact.read(copy), id);
            assertEquals(
                    copy.resolve(DetectorArtifact.METADATA) + ": field 'artifact_id': expected one folder name: not"
                            + " empty, not only dots, without '/', '\\' or control characters, found \"" + id + "\"",
                    e.getMessage());
            IllegalArgumentException made = assertThrows(
                    IllegalArgumentException.class,
                    () -> new DetectorArtifact(
                            id, "", config, List.of("circle", "square"), new int[] {1, 5}, "", null));
            assertTrue(made.getMessage().startsWith("artifact id \"" + id + "\": expected one folder name"));
        }
    }

    @Test
    void otherInputOutputTypesAreNotServedWithoutATranslator() {
        Criteria<String, String> wrongTypes = Criteria.builder()
                .setTypes(String.class, String.class)
                .optModelZoo(CardinalModelZoo.of(repo))
                .optArtifactId("tiny")
                .build();
        assertThrows(ModelNotFoundException.class, wrongTypes::loadModel);
    }
}
