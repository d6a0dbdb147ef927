package dev.codermon.auth;

import java.util.Locale;

/**
 * Holds the workspace domain (default {@value #DEFAULT}) and decides which hostnames are under it; the
 * control plane names workspaces with it and the proxy reaches, and signs certificates for, nothing else.
 *
 * <p>A valid domain has at least two DNS labels (so the proxy's local CA never covers a whole top-level
 * domain), is not a loopback name (browsers never send those through a proxy) and leaves room for the
 * workspace and user labels. One trailing dot (the DNS root) is dropped; case is folded.
 */
public final class WorkspaceDomain {

    public static final String DEFAULT = "codermon.internal";
    /** Longest domain: with two 32-character labels in front, a hostname stays well under 253 characters. */
    static final int MAX_LENGTH = 180;

    private final String name;
    private final String suffix;

    private WorkspaceDomain(String name) {
        this.name = name;
        this.suffix = "." + name;
    }

    /**
     * Returns the domain the setting names, normalised.
     *
     * @param what the setting's name, for the message ({@code --domain (CODERMON_DOMAIN)})
     * @throws IllegalArgumentException naming the setting, what is wrong and an example
     */
    public static WorkspaceDomain parse(String what, String text) {
        String d = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        if (d.endsWith(".")) {
            d = d.substring(0, d.length() - 1);
        }
        String problem = problem(d);
        if (problem != null) {
            throw new IllegalArgumentException(what + " '" + text + "' " + problem
                    + "; use a reserved, non-loopback suffix of two or more labels such as " + DEFAULT);
        }
        return new WorkspaceDomain(d);
    }

    private static String problem(String d) {
        if (d.isEmpty()) {
            return "is empty";
        }
        if (d.equals("localhost") || d.endsWith(".localhost")) {
            return "is a loopback name, which browsers never send through a proxy";
        }
        if (d.length() > MAX_LENGTH) {
            return "is too long to leave room for workspace and user labels";
        }
        if (d.indexOf('.') < 0) {
            return "has one label only, and the proxy's CA would then cover a whole top-level domain";
        }
        int start = 0;
        while (true) {
            int dot = d.indexOf('.', start);
            int end = dot < 0 ? d.length() : dot;
            if (!DnsLabel.isHostLabel(d, start, end)) {
                return "has an invalid label '" + d.substring(start, end) + "'";
            }
            if (dot < 0) {
                return null;
            }
            start = dot + 1;
        }
    }

    /** Returns the domain, lower case, without a trailing dot ({@code codermon.internal}). */
    public String name() {
        return name;
    }

    /** Returns the hostname of a user's workspace: {@code <name>.<user>.<domain>}. */
    public String hostnameOf(String user, String workspaceName) {
        return workspaceName + "." + user + suffix;
    }

    /**
     * Returns whether the (lower-case) host is strictly under this domain with every label in front of it a
     * valid DNS label. Scans in place: the proxy asks for every request.
     */
    public boolean contains(String host) {
        if (host.length() <= suffix.length() || !host.endsWith(suffix)) {
            return false;
        }
        int labelsEnd = host.length() - suffix.length();
        int start = 0;
        while (true) {
            int dot = host.indexOf('.', start);
            int end = dot < 0 || dot > labelsEnd ? labelsEnd : dot;
            if (!DnsLabel.isHostLabel(host, start, end)) {
                return false;
            }
            if (end == labelsEnd) {
                return true;
            }
            start = end + 1;
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WorkspaceDomain other && other.name.equals(name);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    @Override
    public String toString() {
        return name;
    }
}
