package dev.codermon.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codermon.controlplane.api.ApiRoutes;
import io.javalin.Javalin;
import io.javalin.http.HandlerType;
import io.javalin.router.Endpoint;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Records every response an app under test gives and checks it against the OpenAPI description: a
 * response to a described method and path whose status code the description does not list for that
 * operation is a mismatch. Requests outside the description (the console's pages, unknown paths) are
 * left to {@code ApiSurfaceTest}, which keeps the described routes equal to the registered ones.
 */
public final class DocumentedResponses {

    private final JsonNode paths;
    /** "METHOD /template status" for every response seen. */
    private final Set<String> seen = ConcurrentHashMap.newKeySet();

    private DocumentedResponses(JsonNode paths) {
        this.paths = paths;
    }

    /** Returns a recorder that sees every response of the app (registered before the app starts). */
    public static DocumentedResponses attach(Javalin app) {
        DocumentedResponses recorder = new DocumentedResponses(description().get("paths"));
        app.unsafe.internalRouter.addHttpEndpoint(new Endpoint(HandlerType.AFTER, "*",
                ctx -> recorder.record(ctx.method().name(), ctx.path(), ctx.statusCode()), Set.of()));
        return recorder;
    }

    public static JsonNode description() {
        try (InputStream in = ApiRoutes.class.getResourceAsStream(ApiRoutes.OPENAPI_RESOURCE)) {
            return ApiFixture.JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void record(String method, String path, int status) {
        String template = templateOf(path);
        if (template != null && paths.get(template).has(method.toLowerCase(Locale.ROOT))) {
            seen.add(method + " " + template + " " + status);
        }
    }

    /** Returns the described path template that matches a concrete path, or null if none does. */
    private String templateOf(String path) {
        for (Iterator<String> it = paths.fieldNames(); it.hasNext(); ) {
            String template = it.next();
            String regex = Pattern.quote(template).replaceAll("\\{[^/}]+}", "\\\\E[^/]+\\\\Q");
            if (path.matches(regex)) {
                return template;
            }
        }
        return null;
    }

    /** Forgets every response seen so far. */
    public void clear() {
        seen.clear();
    }

    /** Returns every response seen so far, "METHOD /template status". */
    public Set<String> seen() {
        return new TreeSet<>(seen);
    }

    /** Returns the responses seen whose status the description does not list for their operation. */
    public Set<String> undocumented() {
        Set<String> wrong = new TreeSet<>();
        for (String response : seen) {
            String[] parts = response.split(" ");
            JsonNode responses = paths.get(parts[1]).get(parts[0].toLowerCase(Locale.ROOT)).get("responses");
            if (responses == null || !responses.has(parts[2])) {
                wrong.add(response);
            }
        }
        return wrong;
    }
}
