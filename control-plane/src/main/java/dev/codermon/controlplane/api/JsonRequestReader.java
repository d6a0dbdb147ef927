package dev.codermon.controlplane.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.javalin.http.Context;

/** Turns JSON request bodies into request records, or into a 400 that says what was wrong. */
final class JsonRequestReader {

    private final ObjectMapper mapper;

    JsonRequestReader(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** Reads the body as the given type; an empty body yields {@code whenEmpty}. */
    <T> T read(Context ctx, Class<T> type, T whenEmpty) {
        String body = ctx.body();
        if (body.isBlank()) {
            if (whenEmpty != null) {
                return whenEmpty;
            }
            throw ApiException.badRequest("invalid_json", "the request needs a JSON object body");
        }
        try {
            T value = mapper.readValue(body, type);
            if (value == null) {
                throw ApiException.badRequest("invalid_json", "the request body must be a JSON object, not null");
            }
            return value;
        } catch (UnrecognizedPropertyException e) {
            throw ApiException.badRequest("invalid_json", "unknown field '" + e.getPropertyName()
                    + "' in the request body");
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("invalid_json", "the request body is not the expected JSON object: "
                    + e.getOriginalMessage());
        }
    }
}
