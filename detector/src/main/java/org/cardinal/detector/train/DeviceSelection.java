package org.cardinal.detector.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.cardinal.core.config.InvalidFieldException;

/**
 * Turns the solver's {@code device} option into the devices to train on: "auto" takes every GPU
 * the engine sees and falls back to the CPU, "cpu" forces the CPU, "gpu" takes every GPU (error
 * if there is none), "gpu:0,2" takes the listed ones. More than one device means data-parallel
 * training: the batch is split across them and their gradients are summed.
 *
 * <p>The one parser of a device option: run configs ({@code solver.device}) and every tool's
 * {@code --device} ({@link #checkOption}, {@link #single} for the tools that run on one device).
 */
public final class DeviceSelection {

    private DeviceSelection() {}

    /** Throws naming the field when {@code option} is not one of the accepted forms. */
    static void validate(String option) {
        parse(option, -1);
    }

    /**
     * Checks the form of a command-line device option without looking for GPUs (a training tool
     * puts it into the run config, which resolves it when the run starts).
     *
     * @param name the option, e.g. {@code --device}, for messages
     * @param value its value
     * @return the value in lower case
     * @throws IllegalArgumentException naming the option when the value is not one of the forms
     */
    public static String checkOption(String name, String value) {
        try {
            parse(value, -1);
        } catch (InvalidFieldException e) {
            throw new IllegalArgumentException(name + ": expected " + e.expected() + ", found '" + value + "'");
        }
        return value.trim().toLowerCase(Locale.ROOT);
    }

    /**
     * The device of a tool that runs on one: "cpu"; "gpu" the first GPU; "gpu:N" that one; "auto"
     * the first GPU, else the CPU.
     *
     * @param name the option, e.g. {@code --device}, for messages
     * @param value its value
     * @return the device, checked against the GPUs the engine sees
     * @throws IllegalArgumentException naming the option for another form, a GPU that is not there
     *     or a list of several GPUs
     */
    public static Device single(String name, String value) {
        return single(name, value, Engine.getInstance().getGpuCount());
    }

    static Device single(String name, String value, int gpuCount) {
        String option = checkOption(name, value);
        Device[] devices = parse(option, gpuCount);
        if (devices.length > 1 && option.startsWith("gpu:")) {
            throw new IllegalArgumentException(
                    name + " " + value + ": this tool runs on one device; name one GPU, e.g. gpu:0");
        }
        return devices[0];
    }

    /**
     * The devices for {@code option} given the engine's GPU count.
     *
     * @param option "auto" | "cpu" | "gpu" | "gpu:i,j,..."
     * @return one or more devices
     */
    public static Device[] resolve(String option) {
        return parse(option, Engine.getInstance().getGpuCount());
    }

    // gpuCount < 0: syntax check only
    static Device[] parse(String option, int gpuCount) {
        String o = option == null ? "" : option.trim().toLowerCase(Locale.ROOT);
        String expected = "\"auto\", \"cpu\", \"gpu\" or \"gpu:0,1,...\"";
        switch (o) {
            case "auto" -> {
                if (gpuCount <= 0) {
                    return new Device[] {Device.cpu()};
                }
                return gpus(gpuCount);
            }
            case "cpu" -> {
                return new Device[] {Device.cpu()};
            }
            case "gpu" -> {
                if (gpuCount == 0) {
                    throw new IllegalArgumentException(
                            "device \"gpu\" requested but libtorch sees no GPU (the CPU build of libtorch"
                                    + " is on the class path, or no CUDA driver is installed; see docs/gpu.md)");
                }
                return gpuCount < 0 ? new Device[0] : gpus(gpuCount);
            }
            default -> {
                if (!o.startsWith("gpu:")) {
                    throw new InvalidFieldException("device", expected, "\"" + option + "\"");
                }
                List<Device> list = new ArrayList<>();
                for (String part : o.substring(4).split(",")) {
                    int id;
                    try {
                        id = Integer.parseInt(part.trim());
                    } catch (NumberFormatException e) {
                        throw new InvalidFieldException("device", expected, "\"" + option + "\"");
                    }
                    if (id < 0) {
                        throw new InvalidFieldException("device", expected, "\"" + option + "\"");
                    }
                    if (gpuCount >= 0 && id >= gpuCount) {
                        throw new IllegalArgumentException("device \"" + option + "\": GPU " + id
                                + " requested but libtorch sees " + Math.max(gpuCount, 0) + " GPU(s)");
                    }
                    Device d = Device.gpu(id);
                    if (list.contains(d)) {
                        throw new InvalidFieldException("device", "each GPU listed once", "\"" + option + "\"");
                    }
                    list.add(d);
                }
                return list.toArray(new Device[0]);
            }
        }
    }

    private static Device[] gpus(int n) {
        Device[] d = new Device[n];
        for (int i = 0; i < n; i++) {
            d[i] = Device.gpu(i);
        }
        return d;
    }
}
