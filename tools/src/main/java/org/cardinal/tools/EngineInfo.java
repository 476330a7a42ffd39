package org.cardinal.tools;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.LibUtils;
import ai.djl.util.cuda.CudaUtils;
import java.util.ArrayList;
import java.util.List;
import org.cardinal.core.cli.Cli;
import org.cardinal.core.cli.ToolOptions;
import picocli.CommandLine.Command;

/**
 * {@code tools/engine-info}: says which libtorch Cardinal runs on and proves that it computes on
 * each device, so a user can check an install (or a bundle on a GPU node) before a long run.
 */
public final class EngineInfo {

    /** The options of {@code tools/engine-info}: none but --help. */
    @Command(
            name = "tools/engine-info",
            description = {
                "Prints the DJL and libtorch versions, the libtorch folder, the GPUs seen, and runs a small matrix"
                        + " product on every device; exits with 1 when one computes a wrong result."
            })
    static final class Options extends ToolOptions {}

    private EngineInfo() {}

    /**
     * Entry point.
     *
     * @param argv command-line arguments
     */
    public static void main(String[] argv) {
        Cli.run(new Options(), argv, args -> {
            Engine engine = Engine.getEngine("PyTorch");
            System.out.println("DJL:        " + Engine.getDjlVersion());
            System.out.println("engine:     " + engine.getEngineName() + " " + engine.getVersion());
            System.out.println("libtorch:   " + LibUtils.getLibtorchPath());
            System.out.println("CUDA GPUs:  " + engine.getGpuCount()
                    + (CudaUtils.hasCuda() ? " (CUDA " + CudaUtils.getCudaVersionString() + ")" : ""));
            List<Device> devices = new ArrayList<>(List.of(Device.cpu()));
            for (int i = 0; i < engine.getGpuCount(); i++) {
                devices.add(Device.gpu(i));
            }
            List<Device> wrong = new ArrayList<>();
            for (Device device : devices) {
                try (NDManager manager = engine.newBaseManager(device)) {
                    NDArray a = manager.arange(12f).reshape(new Shape(3, 4));
                    // 0..11 as 3x4 times its transpose: the first row's squared norm is 0+1+4+9 = 14.
                    float check = a.matMul(a.transpose()).getFloat(0, 0);
                    System.out.printf("%-11s %s%n", device + ":", check == 14f ? "ok" : "WRONG RESULT " + check);
                    if (check != 14f) {
                        wrong.add(device);
                    }
                }
            }
            if (!wrong.isEmpty()) {
                throw new Cli.Exit(1, "libtorch computes a wrong matrix product on " + wrong + ": do not train on it");
            }
        });
    }
}
