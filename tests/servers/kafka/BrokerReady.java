// The readiness check of broker.sh: waits until the broker answers a metadata request
// (Admin describeCluster) on every listener and lists itself there at that listener's
// address, authenticating as a client of that listener would (SASL users, the CA, the
// client certificate). Exits 0 when all answered, 1 at the deadline, 2 when the broker
// process is gone; names the listeners still failing and their last error.
//
// Usage: BrokerReady PID TIMEOUT_SECONDS NAME=CLIENT_PROPERTIES_FILE...
import java.io.FileReader;
import java.io.IOException;
import java.io.Reader;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Node;

public final class BrokerReady {
  private static final int TRY_MS = 3000;

  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      System.err.println("usage: BrokerReady PID TIMEOUT_SECONDS NAME=CLIENT_PROPERTIES_FILE...");
      System.exit(64);
    }
    final long pid = Long.parseLong(args[0]);
    final long started = System.nanoTime();
    final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.parseLong(args[1]));
    final Map<String, Admin> pending = new LinkedHashMap<>();
    final Map<String, String> expected = new LinkedHashMap<>();
    final Map<String, String> lastError = new LinkedHashMap<>();
    for (int i = 2; i < args.length; ++i) {
      final String[] nameFile = args[i].split("=", 2);
      final Properties props = load(nameFile[1]);
      props.setProperty("request.timeout.ms", Integer.toString(TRY_MS));
      props.setProperty("default.api.timeout.ms", Integer.toString(TRY_MS));
      props.setProperty("reconnect.backoff.max.ms", "200");
      expected.put(nameFile[0], props.getProperty("bootstrap.servers"));
      lastError.put(nameFile[0], "no answer yet");
      pending.put(nameFile[0], Admin.create(props));
    }
    while (!pending.isEmpty()) {
      if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
        System.err.println("BrokerReady: the broker (pid " + pid + ") exited");
        System.exit(2);
      }
      if (System.nanoTime() > deadline) {
        for (String name : pending.keySet()) {
          System.err.println("BrokerReady: listener " + name + " (" + expected.get(name)
              + ") not ready: " + lastError.get(name));
        }
        System.exit(1);
      }
      // Ask every pending listener at once, then collect.
      final Map<String, KafkaFuture<java.util.Collection<Node>>> asked = new LinkedHashMap<>();
      pending.forEach((name, admin) -> asked.put(name,
          admin.describeCluster(new DescribeClusterOptions().timeoutMs(TRY_MS)).nodes()));
      for (Map.Entry<String, KafkaFuture<java.util.Collection<Node>>> a : asked.entrySet()) {
        final String name = a.getKey();
        try {
          final java.util.Collection<Node> nodes = a.getValue().get(TRY_MS + 500L, TimeUnit.MILLISECONDS);
          final boolean listed = nodes.stream().anyMatch(
              n -> (n.host() + ":" + n.port()).equals(expected.get(name)));
          if (listed) {
            pending.remove(name).close();
            System.out.println("BrokerReady: listener " + name + " ready after "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms");
          } else {
            lastError.put(name, "metadata lists " + nodes + ", not " + expected.get(name));
          }
        } catch (Exception e) {
          lastError.put(name, e.getCause() != null ? e.getCause().toString() : e.toString());
        }
      }
      if (!pending.isEmpty()) Thread.sleep(100);
    }
  }

  private static Properties load(String path) throws IOException {
    final Properties props = new Properties();
    try (Reader in = new FileReader(path)) {
      props.load(in);
    }
    return props;
  }
}
