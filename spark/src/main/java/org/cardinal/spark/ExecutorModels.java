package org.cardinal.spark;

import ai.djl.Device;
import ai.djl.ModelException;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.output.DetectedObjects;
import ai.djl.repository.zoo.ZooModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.cardinal.detector.zoo.ModelLocator;

/**
 * The models of this JVM (an executor, or the driver in local mode): one per artifact folder and
 * device, loaded through DJL's {@code Criteria} ({@link ModelLocator#criteria}) by the first task
 * that needs it and shared by every later task of the JVM, each with its own predictor. A model
 * lives as long as its JVM and is never closed: when the JVM ends, the operating system takes its
 * native memory back (GPU memory included), whereas closing it in a shutdown hook would free
 * memory under tasks that still run while the JVM shuts down. Tasks free theirs per image through
 * their predictor.
 *
 * <p>The device is the task's GPU when Spark assigned one ({@code spark.task.resource.gpu.amount},
 * the first address of the task's {@code gpu} resource), so an executor with several GPUs holds
 * one model per GPU; otherwise the CPU, with libtorch's intra-op threads set to
 * {@code spark.task.cpus} before the engine starts (Spark counts a task as that many cores, and
 * concurrent tasks must not each take every core).
 */
final class ExecutorModels {

    /** DJL's PyTorch engine reads its intra-op thread count from this property when it starts. */
    static final String NUM_THREADS = "ai.djl.pytorch.num_threads";

    private static final Map<String, ZooModel<Image, DetectedObjects>> MODELS = new LinkedHashMap<>();
    private static final AtomicInteger LOADS = new AtomicInteger();

    private ExecutorModels() {}

    /** The device of a task: its GPU if Spark assigned one, else the CPU. */
    static Device deviceOf(TaskContext task) {
        ResourceInformation gpu = task == null ? null : task.resourcesJMap().get("gpu");
        if (gpu == null || gpu.addresses().length == 0) {
            return Device.cpu();
        }
        return Device.gpu(Integer.parseInt(gpu.addresses()[0].strip()));
    }

    /**
     * The model of an artifact folder on a device, loading it on first use.
     *
     * @param taskCpus cores Spark counts per task: libtorch's intra-op threads unless set already
     */
    static synchronized ZooModel<Image, DetectedObjects> get(Path artifactDir, Device device, int taskCpus)
            throws IOException, ModelException {
        Path dir = artifactDir.toAbsolutePath().normalize();
        String key = dir + "@" + device;
        ZooModel<Image, DetectedObjects> model = MODELS.get(key);
        if (model == null) {
            if (System.getProperty(NUM_THREADS) == null && Device.Type.CPU.equals(device.getDeviceType())) {
                System.setProperty(NUM_THREADS, Integer.toString(Math.max(1, taskCpus)));
            }
            model = ModelLocator.criteria(dir, device).loadModel();
            MODELS.put(key, model);
            LOADS.incrementAndGet();
        }
        return model;
    }

    /** How many models this JVM has loaded so far (a check that tasks share them). */
    static int loads() {
        return LOADS.get();
    }
}
