package org.cardinal.core.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.training.GradientCollector;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * Autograd recording, per thread, as libtorch has it.
 *
 * <p>libtorch records operations for autograd per thread, and records on every new thread. DJL
 * turns recording off on the thread that starts the engine and on inside a {@code
 * GradientCollector} only; any other thread (a pool's, a Spark executor's, a web server's) records
 * every operation on parameters that require gradients, which costs memory and time and makes
 * libtorch refuse in-place updates of parameters. Training and inference entry points call {@link
 * #offOnThisThread()} first, as PyTorch code runs outside the backward pass under {@code
 * torch.no_grad()}.
 *
 * <p>DJL's PyTorch collector also allows one collector in the whole process at a time, which
 * rules out two trainings side by side in one JVM (a comparison's runs). {@link #record()} gives a
 * collector of the calling thread's recording only, as {@code torch.enable_grad()} is: any number
 * may be open on different threads, and {@code backward} may be called from any thread on the
 * graph it built. With an engine other than PyTorch both fall back to DJL's behaviour.
 */
public final class Autograd {

    private static final Method SET_GRAD_MODE;
    private static final Method IS_GRAD_MODE;
    private static final Method BACKWARD;

    static {
        Method set = null;
        Method is = null;
        Method backward = null;
        try {
            Class<?> jni = Class.forName("ai.djl.pytorch.jni.JniUtils");
            Class<?> array = Class.forName("ai.djl.pytorch.engine.PtNDArray");
            set = jni.getMethod("setGradMode", boolean.class);
            is = jni.getMethod("isGradMode");
            backward = jni.getMethod("backward", array, array, boolean.class, boolean.class);
        } catch (ReflectiveOperationException | LinkageError e) {
            set = null;
        }
        SET_GRAD_MODE = set;
        IS_GRAD_MODE = is;
        BACKWARD = backward;
    }

    private Autograd() {}

    /** Stops autograd recording on the calling thread (a collector turns it on again). */
    public static void offOnThisThread() {
        if (pytorch()) {
            call(SET_GRAD_MODE, false);
        }
    }

    /**
     * @return a collector that records the calling thread's operations until it is closed, then
     *     restores the thread's previous mode; unlike DJL's, several may be open at once
     */
    public static GradientCollector record() {
        return pytorch() ? new ThreadCollector() : Engine.getInstance().newGradientCollector();
    }

    private static boolean pytorch() {
        return SET_GRAD_MODE != null && "PyTorch".equals(Engine.getInstance().getEngineName());
    }

    private static Object call(Method m, Object... args) {
        try {
            return m.invoke(null, args);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot call libtorch's " + m.getName(), e);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            throw cause instanceof RuntimeException re ? re : new IllegalStateException(cause);
        }
    }

    /** The calling thread's recording, on until {@link #close()}. */
    private static final class ThreadCollector implements GradientCollector {
        private final boolean before;

        ThreadCollector() {
            before = (Boolean) call(IS_GRAD_MODE);
            call(SET_GRAD_MODE, true);
        }

        /** d target / d parameters into the parameters' gradients (accumulated), as DJL's does. */
        @Override
        public void backward(NDArray target) {
            try (NDArray seed = target.onesLike()) {
                call(BACKWARD, target, seed, false, false);
            }
        }

        /** Not used by Cardinal: each step differentiates fresh leaves ({@link StepGradients}). */
        @Override
        public void zeroGradients() {
            throw new UnsupportedOperationException("give each step its own gradients with StepGradients");
        }

        @Override
        public void close() {
            call(SET_GRAD_MODE, before);
        }
    }
}
