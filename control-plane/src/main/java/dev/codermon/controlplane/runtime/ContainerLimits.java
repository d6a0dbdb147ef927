package dev.codermon.controlplane.runtime;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Holds the resource limits every workspace container gets.
 *
 * @param memoryBytes the memory limit (swap is not added on top)
 * @param nanoCpus    CPU time in billionths of a CPU (1.0 CPU = 1,000,000,000)
 * @param pids        the most processes and threads the container may have
 */
public record ContainerLimits(long memoryBytes, long nanoCpus, long pids) {

    private static final Pattern SIZE = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)\\s*([kmgt]?)i?b?");
    private static final long MIN_MEMORY = 64L << 20;
    private static final long NANOS_PER_CPU = 1_000_000_000L;

    public ContainerLimits {
        if (memoryBytes < MIN_MEMORY) {
            throw new IllegalArgumentException("--memory / CODERMON_WS_MEMORY must be at least 64m, was "
                    + memoryBytes + " bytes");
        }
        if (nanoCpus < NANOS_PER_CPU / 100 || nanoCpus > 1024 * NANOS_PER_CPU) {
            throw new IllegalArgumentException("--cpus / CODERMON_WS_CPUS must be between 0.01 and 1024");
        }
        if (pids < 16 || pids > 1_000_000) {
            throw new IllegalArgumentException("--pids / CODERMON_WS_PIDS must be between 16 and 1000000, was "
                    + pids);
        }
    }

    /** Returns the defaults: 2 GiB, one CPU, 512 processes. */
    public static ContainerLimits defaults() {
        return new ContainerLimits(2L << 30, NANOS_PER_CPU, 512);
    }

    /** Parses a memory size such as {@code 2g}, {@code 512m}, {@code 1.5GiB} or a number of bytes. */
    public static long parseMemory(String text) {
        Matcher m = SIZE.matcher(text == null ? "" : text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("--memory / CODERMON_WS_MEMORY '" + text
                    + "' is not a size; use e.g. 2g or 512m");
        }
        int shift = switch (m.group(2)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> 0;
        };
        return new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(1L << shift)).longValue();
    }

    /** Parses a CPU count such as {@code 1.0} or {@code 0.5} into nano-CPUs. */
    public static long parseCpus(String text) {
        try {
            return new BigDecimal(text == null ? "" : text.trim()).multiply(BigDecimal.valueOf(NANOS_PER_CPU))
                    .longValueExact();
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("--cpus / CODERMON_WS_CPUS '" + text
                    + "' is not a CPU count; use e.g. 1.0 or 0.5");
        }
    }

    @Override
    public String toString() {
        return "memory=" + (memoryBytes >> 20) + "m, cpus="
                + BigDecimal.valueOf(nanoCpus).divide(BigDecimal.valueOf(NANOS_PER_CPU)).stripTrailingZeros()
                        .toPlainString()
                + ", pids=" + pids;
    }
}
