/** Prints the JVM options a process running Spark needs on this Java (read by ./smda into target/spark.options). */
class SparkJvmOptions {
    public static void main(String[] args) {
        System.out.println(org.apache.spark.launcher.JavaModuleOptions.defaultModuleOptions());
    }
}
