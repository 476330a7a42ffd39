package org.cardinal.detector.compare;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.cardinal.core.train.StopRequest;

/**
 * Runs tasks a given number at a time, in order, each on a thread of its own pool. When one fails,
 * the stop request that the others poll is raised so that they checkpoint and end, and the first
 * failure (in task order) is rethrown once every task has returned: no task is left running.
 */
final class SideBySide {

    /** One task. */
    interface Task {
        void run() throws IOException;
    }

    private SideBySide() {}

    /**
     * @param tasks what to run, in order
     * @param atATime how many run at the same time
     * @param stop raised when a task fails, with the failing task's name
     * @param names a name per task, for that stop reason
     * @throws IOException the first failure, as thrown
     */
    static void run(List<Task> tasks, int atATime, StopRequest stop, List<String> names) throws IOException {
        ExecutorService pool = Executors.newFixedThreadPool(atATime, r -> {
            Thread t = new Thread(r, "comparison-run");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < tasks.size(); i++) {
                Task task = tasks.get(i);
                String name = names.get(i);
                futures.add(pool.submit(() -> {
                    try {
                        task.run();
                    } catch (IOException | RuntimeException | Error e) {
                        stop.request(name + " failed");
                        throw e;
                    }
                    return null;
                }));
            }
            Throwable failure = null;
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    failure = failure == null ? e.getCause() : failure;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    stop.request("interrupted");
                    throw new IOException("interrupted while waiting for the runs", e);
                }
            }
            if (failure instanceof IOException io) {
                throw io;
            } else if (failure instanceof RuntimeException re) {
                throw re;
            } else if (failure instanceof Error err) {
                throw err;
            }
        } finally {
            pool.shutdown();
        }
    }
}
