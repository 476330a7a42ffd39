package org.cardinal.detector.zoo;

import ai.djl.Application;
import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.output.DetectedObjects;
import ai.djl.ndarray.types.DataType;
import ai.djl.repository.MRL;
import ai.djl.repository.Repository;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelLoader;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorFactory;
import ai.djl.util.Progress;
import java.io.IOException;
import java.nio.file.Path;
import org.cardinal.detector.DetectorWeights;
import org.cardinal.detector.FasterRcnn;
import org.cardinal.detector.FasterRcnnFactory;

/**
 * Loads one {@link DetectorArtifact} of a repository as a {@link ZooModel}: builds the Faster
 * R-CNN its config describes on the requested device (or the engine's default), loads every
 * parameter strictly by torchvision name, and pairs it with a {@link DetectorTranslator} (or with
 * the translator the {@link Criteria} supplies).
 */
public final class DetectorModelLoader implements ModelLoader {

    /** The engine every Cardinal model runs on. */
    public static final String ENGINE = "PyTorch";

    private final ArtifactRepository repository;
    private final String artifactId;

    public DetectorModelLoader(ArtifactRepository repository, String artifactId) {
        this.repository = repository;
        this.artifactId = artifactId;
    }

    @Override
    public String getGroupId() {
        return CardinalModelZoo.GROUP_ID;
    }

    @Override
    public String getArtifactId() {
        return artifactId;
    }

    @Override
    public Application getApplication() {
        return Application.CV.OBJECT_DETECTION;
    }

    @Override
    public MRL getMrl() {
        return MRL.undefined(Repository.newInstance(artifactId, repository.uri().toString()), getGroupId(), artifactId);
    }

    @Override
    public <I, O> ZooModel<I, O> loadModel(Criteria<I, O> criteria)
            throws IOException, ModelNotFoundException, MalformedModelException {
        if (criteria.getEngine() != null && !ENGINE.equals(criteria.getEngine())) {
            throw new ModelNotFoundException(
                    "artifact " + artifactId + " runs on " + ENGINE + ", not " + criteria.getEngine());
        }
        Translator<I, O> translator = null;
        TranslatorFactory factory = criteria.getTranslatorFactory();
        Class<I> in = criteria.getInputClass();
        Class<O> out = criteria.getOutputClass();
        DetectorArtifact artifact;
        try {
            artifact = DetectorArtifact.read(repository.resolve(artifactId));
        } catch (IllegalArgumentException e) {
            throw new MalformedModelException(e.getMessage(), e);
        }
        Device device = criteria.getDevice() != null
                ? criteria.getDevice()
                : Engine.getEngine(ENGINE).defaultDevice();
        Model model = Model.newInstance(artifactId, device, ENGINE);
        try {
            if (factory != null && factory.isSupported(in, out)) {
                translator = factory.newInstance(in, out, model, criteria.getArguments());
            } else if (in == Image.class && out == DetectedObjects.class) {
                @SuppressWarnings("unchecked")
                Translator<I, O> t = (Translator<I, O>) new DetectorTranslator(artifact.classNames());
                translator = t;
            } else {
                throw new ModelNotFoundException("artifact " + artifactId + " translates " + Image.class.getName()
                        + " -> " + DetectedObjects.class.getName() + ", not " + in.getName() + " -> " + out.getName()
                        + " (pass a translator in the Criteria for other types)");
            }
            model.setBlock(build(artifact, model));
            model.setProperty("artifact_id", artifactId);
            model.setProperty("repository", repository.toString());
            return new ZooModel<>(model, translator);
        } catch (IOException | ModelNotFoundException | RuntimeException e) {
            model.close();
            if (e instanceof IllegalArgumentException) {
                throw new MalformedModelException(artifact.dir() + ": " + e.getMessage(), e);
            }
            throw e;
        } catch (Exception e) {
            model.close();
            throw new MalformedModelException("artifact " + artifactId + ": " + e.getMessage(), e);
        }
    }

    /** Builds the detector of an artifact and loads its weights into the model's manager. */
    static FasterRcnn build(DetectorArtifact artifact, Model model) throws IOException {
        FasterRcnn net = FasterRcnnFactory.create(artifact.config());
        net.initialize(model.getNDManager(), DataType.FLOAT32);
        Path weights = artifact.weightsFile();
        DetectorWeights.loadTorchvision(net, weights, true);
        return net;
    }

    @Override
    public <I, O> boolean isDownloaded(Criteria<I, O> criteria) throws IOException {
        return true;
    }

    @Override
    public <I, O> void downloadModel(Criteria<I, O> criteria, Progress progress) throws IOException {
        repository.resolve(artifactId);
    }

    @Override
    public String toString() {
        return getGroupId() + ":" + artifactId + " @ " + repository;
    }
}
