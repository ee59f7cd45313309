package dev.smda.spark;

import dev.smda.io.BadInputException;
import dev.smda.io.Json;
import dev.smda.execute.Executor;
import dev.smda.execute.Job;
import dev.smda.tensor.Torch;
import java.io.IOException;
import java.io.Serializable;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SimpleFutureAction;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import scala.Function0;
import scala.Function1;
import scala.Function2;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.BoxedUnit;

/**
 * A command's tasks (slices of a run's pairs, a validation's retrainings) on an Apache Spark
 * cluster. The driver (this process) broadcasts the job's recipe; each task is one Spark task, and
 * each executor JVM opens a worker once ({@link ClusterTasks}: the model, the SAE) and keeps it for
 * every later task of the job. A task's result comes back to the
 * driver, which hands it to the run; Spark retries a failed task or a lost executor's tasks, and a
 * result is delivered once, so nothing is written twice.
 */
final class SparkExecutor implements Executor {

    /** JVM options every executor needs, beside Spark's own module options (which Spark adds). */
    static final String EXECUTOR_JVM_OPTIONS = "-Dai.djl.offline=true -DOPT_OUT_TRACKING=true --enable-native-access=ALL-UNNAMED -Xss16m";

    /** Tasks per task slot: enough that results flow back steadily and a lost executor loses little. */
    private static final int TASKS_PER_SLOT = 4;

    private final JavaSparkContext spark;
    private final String master;
    /** Seconds each task that opened a worker spent opening it. */
    private final List<Double> opened = new ArrayList<>();

    SparkExecutor(Choice choice) {
        this.master = choice.master();
        checkReachable(master);
        SparkConf conf = new SparkConf().setMaster(master).setAppName("smda");
        for (Map.Entry<String, String> e : choice.settings().entrySet()) {
            conf.set(e.getKey(), e.getValue());
        }
        conf.set("spark.executor.extraJavaOptions", (conf.get("spark.executor.extraJavaOptions", "") + " " + EXECUTOR_JVM_OPTIONS).trim());
        if (!master.startsWith("local") && !conf.contains("spark.jars") && !conf.contains("spark.executor.extraClassPath")) {
            // Without spark-submit --jars, executors read smda from the paths this process has it at (a shared file system).
            conf.set("spark.executor.extraClassPath", System.getProperty("java.class.path"));
        }
        try {
            this.spark = new JavaSparkContext(conf);
        } catch (RuntimeException e) {
            throw new BadInputException("--spark " + master + ": Spark did not start: " + SparkFailures.firstLine(e));
        }
        spark.setLogLevel("WARN");
    }

    @Override
    public int tasksFor(int items) {
        return Math.min(items, Math.max(1, spark.defaultParallelism()) * TASKS_PER_SLOT);
    }

    @Override
    public <T, R> void run(Job<T, R> job, List<T> tasks, Listener<R> listener) throws IOException {
        String jobId = UUID.randomUUID().toString();
        String factory = job.factory().getName();
        Class<R> resultType = job.newFactory().resultType();
        Broadcast<String> recipe = spark.broadcast(job.recipe());
        List<String> items = tasks.stream().map(Json::compact).toList();
        LinkedBlockingQueue<Object[]> results = new LinkedBlockingQueue<>();
        List<Object> partitions = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            partitions.add(i);
        }
        Function1<Iterator<String>, String> perTask = (Function1<Iterator<String>, String> & Serializable) it -> ClusterTasks.run(jobId, factory,
                recipe.value(), it.next());
        Function2<Object, String, BoxedUnit> onResult = (Function2<Object, String, BoxedUnit> & Serializable) (i, r) -> {
            results.add(new Object[] {i, r});
            return BoxedUnit.UNIT;
        };
        Function0<Object> nothing = (Function0<Object> & Serializable) () -> null;
        // In local mode the tasks run in this JVM and set the engine's threads to their own cores.
        int threads = Torch.threads();
        SimpleFutureAction<Object> running = spark.sc().submitJob(spark.parallelize(items, items.size()).rdd(), perTask,
                CollectionConverters.asScala(partitions).toSeq(), onResult, nothing);
        listener.prepared();
        try {
            int received = 0;
            while (received < items.size()) {
                Object[] r = results.poll(200, TimeUnit.MILLISECONDS);
                if (r != null) {
                    ClusterTasks.Output out = Json.MAPPER.readValue((String) r[1], ClusterTasks.Output.class);
                    if (out.openSeconds() > 0) {
                        opened.add(out.openSeconds());
                    }
                    listener.finished((Integer) r[0], Json.MAPPER.treeToValue(out.result(), resultType));
                    received++;
                } else if (running.isCompleted() && results.isEmpty()) {
                    running.get();
                    if (results.isEmpty()) {
                        throw new IllegalStateException("Spark finished the job with " + (items.size() - received) + " tasks' results missing");
                    }
                }
            }
        } catch (InterruptedException e) {
            running.cancel();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (BadInputException | IOException e) {
            running.cancel();
            throw e;
        } catch (Exception e) {
            throw SparkFailures.explain(master, e);
        } finally {
            Torch.threads(threads);
            recipe.destroy();
        }
    }

    @Override
    public Map<String, Double> timings() {
        if (opened.isEmpty()) {
            return Map.of();
        }
        // What each worker JVM paid once: the model, the SAE and the estimator's preparation.
        return Map.of("open a worker (mean of " + opened.size() + ")", opened.stream().mapToDouble(Double::doubleValue).average().orElseThrow(),
                "open a worker (slowest)", opened.stream().mapToDouble(Double::doubleValue).max().orElseThrow());
    }

    @Override
    public void close() {
        spark.stop();
    }

    /** A spark:// master that nothing answers at fails in one line now, not after Spark's minute of retries. */
    private static void checkReachable(String master) {
        if (!master.startsWith("spark://")) {
            return;
        }
        String refused = null;
        for (String hostPort : master.substring("spark://".length()).split(",")) {
            int colon = hostPort.lastIndexOf(':');
            String host = colon < 0 ? hostPort : hostPort.substring(0, colon);
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, colon < 0 ? 7077 : Integer.parseInt(hostPort.substring(colon + 1))), 5000);
                return;
            } catch (IOException | NumberFormatException e) {
                refused = hostPort + " (" + e.getMessage() + ")";
            }
        }
        throw new BadInputException("--spark " + master + ": no Spark master answers at " + refused);
    }
}
