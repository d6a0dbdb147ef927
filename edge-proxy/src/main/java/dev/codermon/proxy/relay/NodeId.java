package dev.codermon.proxy.relay;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Checks node ids (a DNS label: lowercase letters, digits and inner hyphens, at most 63) and reads the
 * node a relay certificate names: its one DNS subject alternative name.
 */
public final class NodeId {

    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final int DNS_NAME = 2;

    private NodeId() {
    }

    /** Returns whether the text is a valid node id. */
    public static boolean isValid(String id) {
        return id != null && LABEL.matcher(id).matches();
    }

    /**
     * Returns the id, checked.
     *
     * @param setting how the user gave it, for the message
     * @throws IllegalArgumentException naming the setting and the expected form
     */
    public static String parse(String setting, String id) {
        if (!isValid(id)) {
            throw new IllegalArgumentException(setting + " must be a node id (a DNS label: lowercase letters, digits"
                    + " and inner hyphens, at most 63), was '" + id + "'");
        }
        return id;
    }

    /** Returns the node the certificate names (its only DNS subject alternative name), or null if it names none. */
    public static String of(X509Certificate certificate) {
        Collection<List<?>> names;
        try {
            names = certificate.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return null;
        }
        if (names == null) {
            return null;
        }
        String node = null;
        for (List<?> name : names) {
            if (name.size() == 2 && Integer.valueOf(DNS_NAME).equals(name.get(0))) {
                if (node != null || !(name.get(1) instanceof String dns) || !isValid(dns)) {
                    return null;
                }
                node = dns;
            }
        }
        return node;
    }
}
