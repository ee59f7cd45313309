package dev.smda.spark;

import dev.smda.execute.Executor;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.launcher.JavaModuleOptions;

/**
 * A Spark standalone cluster on 127.0.0.1: a Master and single-core Workers, each in its own JVM
 * started from this process's classpath (no Spark distribution: SPARK_HOME holds an empty jars/).
 * For tests and benchmarks; the Master's web UI listens on a free loopback port, its REST server is off.
 */
final class StandaloneCluster implements Executor.LocalCluster {

    private final String master;
    private final Process masterProcess;
    private final List<Process> workers;

    private StandaloneCluster(String master, Process masterProcess, List<Process> workers) {
        this.master = master;
        this.masterProcess = masterProcess;
        this.workers = workers;
    }

    static StandaloneCluster start(int workers, Path dir) throws IOException {
        Path home = Files.createDirectories(dir.resolve("spark-home/jars")).getParent();
        int port = freePort();
        List<Process> all = new ArrayList<>();
        try {
            Process master = daemon(dir.resolve("master.log"), home, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port",
                    String.valueOf(port), "--webui-port", String.valueOf(freePort()));
            all.add(master);
            waitForPort(port, master, dir.resolve("master.log"));
            String url = "spark://127.0.0.1:" + port;
            List<Process> started = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                Process worker = daemon(dir.resolve("worker-" + w + ".log"), home, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
                        "--cores", "1", "--memory", "3g", "--webui-port", String.valueOf(freePort()), "--work-dir",
                        Files.createDirectories(dir.resolve("work-" + w)).toString(), url);
                all.add(worker);
                started.add(worker);
            }
            return new StandaloneCluster(url, master, started);
        } catch (IOException | RuntimeException e) {
            all.forEach(StandaloneCluster::kill);
            throw e;
        }
    }

    @Override
    public String master() {
        return master;
    }

    @Override
    public void killWorker(int i) throws InterruptedException {
        Process worker = workers.get(i);
        kill(worker);
        worker.waitFor();
    }

    @Override
    public void close() {
        List<Process> all = new ArrayList<>(workers);
        all.add(masterProcess);
        all.forEach(StandaloneCluster::kill);
        for (Process p : all) {
            try {
                p.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** SIGKILL to a daemon and the executors it started. */
    private static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
    }

    private static Process daemon(Path log, Path home, String main, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.addAll(List.of(JavaModuleOptions.defaultModuleOptionArray()));
        command.addAll(List.of("-Xmx512m", "-Dspark.master.rest.enabled=false", "-cp", System.getProperty("java.class.path"), main));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("SPARK_HOME", home.toString());
        pb.environment().put("SPARK_SCALA_VERSION", "2.13");
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        return pb.start();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void waitForPort(int port, Process owner, Path log) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (true) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                if (!owner.isAlive() || System.nanoTime() > deadline) {
                    throw new IOException("the Spark master did not open port " + port + " (see " + log + ")");
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", ie);
                }
            }
        }
    }
}
