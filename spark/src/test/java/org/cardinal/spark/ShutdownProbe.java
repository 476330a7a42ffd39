package org.cardinal.spark;

import ai.djl.Device;
import ai.djl.inference.Predictor;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.output.DetectedObjects;
import java.nio.file.Path;
import org.cardinal.backbone.image.ImageDecoder;
import org.cardinal.core.train.Autograd;

/**
 * A JVM that ends while a task still predicts, as an executor does when it is told to exit with
 * tasks running: it loads a model through {@link ExecutorModels}, starts the JVM's shutdown, and
 * predicts again from a shutdown hook a second later. Prints "predicted during shutdown: N
 * objects" if the model was still there, or what went wrong.
 *
 * <p>Arguments: an artifact folder and an image.
 */
public final class ShutdownProbe {

    private ShutdownProbe() {}

    public static void main(String[] args) throws Exception {
        Image image = ImageDecoder.readImage(Path.of(args[1]));
        Predictor<Image, DetectedObjects> predictor =
                ExecutorModels.get(Path.of(args[0]), Device.cpu(), 1).newPredictor();
        Autograd.offOnThisThread();
        predictor.predict(image);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                Thread.sleep(1000);
                Autograd.offOnThisThread();
                System.out.println(
                        "predicted during shutdown: " + predictor.predict(image).getNumberOfObjects() + " objects");
            } catch (Exception | Error e) {
                System.out.println("failed during shutdown: " + e);
            }
            System.out.flush();
        }));
        System.exit(0);
    }
}
