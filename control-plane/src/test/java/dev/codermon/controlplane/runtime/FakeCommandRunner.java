package dev.codermon.controlplane.runtime;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Records the commands it is given and answers each with what the test's function says. */
final class FakeCommandRunner implements CommandRunner {

    final List<List<String>> commands = new ArrayList<>();
    final List<String> inputs = new ArrayList<>();
    private final Function<List<String>, Result> answer;

    FakeCommandRunner(Function<List<String>, Result> answer) {
        this.answer = answer;
    }

    @Override
    public Result run(List<String> command, String stdin, Duration timeout) throws IOException {
        commands.add(List.copyOf(command));
        inputs.add(stdin);
        if (timeout.isZero() || timeout.isNegative() || timeout.compareTo(Duration.ofMinutes(1)) > 0) {
            throw new AssertionError("unbounded or odd timeout " + timeout + " for " + command);
        }
        Result r = answer.apply(command);
        if (r == null) {
            throw new IOException("Cannot run program \"" + command.get(0) + "\": error=2, No such file or directory");
        }
        return r;
    }

    /** Returns the recorded commands without the program name and lock-wait arguments, joined by spaces. */
    List<String> iptablesCalls() {
        return commands.stream()
                .map(c -> String.join(" ", c).replaceFirst("^iptables -w 5 ", "").replaceFirst("^iptables-restore.*",
                        "(restore)"))
                .toList();
    }
}
