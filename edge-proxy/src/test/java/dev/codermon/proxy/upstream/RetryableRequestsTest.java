package dev.codermon.proxy.upstream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;

class RetryableRequestsTest {

    private static HttpRequest request(HttpMethod method) {
        return new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, "/");
    }

    private static HttpRequest request(HttpMethod method, String header, String value) {
        HttpRequest request = request(method);
        request.headers().set(header, value);
        return request;
    }

    @Test
    void bodiless_get_head_and_options_are_retryable() {
        assertTrue(RetryableRequests.isRetryable(request(HttpMethod.GET), false));
        assertTrue(RetryableRequests.isRetryable(request(HttpMethod.HEAD), false));
        assertTrue(RetryableRequests.isRetryable(request(HttpMethod.OPTIONS, "Content-Length", "0"), false));
    }

    @Test
    void other_methods_are_not_retryable() {
        assertFalse(RetryableRequests.isRetryable(request(HttpMethod.POST), false));
        assertFalse(RetryableRequests.isRetryable(request(HttpMethod.PUT), false));
        assertFalse(RetryableRequests.isRetryable(request(HttpMethod.DELETE), false));
    }

    @Test
    void requests_with_a_body_are_not_retryable() {
        assertFalse(RetryableRequests.isRetryable(request(HttpMethod.GET, "Content-Length", "5"), false));
        assertFalse(RetryableRequests.isRetryable(request(HttpMethod.GET, "Transfer-Encoding", "chunked"), false));
    }

    @Test
    void websocket_upgrades_are_not_retryable() {
        assertFalse(RetryableRequests.isRetryable(request(HttpMethod.GET), true));
    }
}
