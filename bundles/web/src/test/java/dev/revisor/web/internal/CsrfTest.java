package dev.revisor.web.internal;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.http.HttpServletRequest;
import java.lang.reflect.Proxy;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CsrfTest {
    /** A request that answers getHeader from the map and nothing else. */
    private static HttpServletRequest request(Map<String, String> headers) {
        return (HttpServletRequest) Proxy.newProxyInstance(CsrfTest.class.getClassLoader(),
                new Class<?>[] {HttpServletRequest.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getHeader")) {
                        return headers.get((String) args[0]);
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void onlyThisProcesssTokenInTheHeaderCounts() {
        Csrf csrf = new Csrf();
        assertThat(csrf.token()).hasSize(64).isNotEqualTo(new Csrf().token());
        assertThat(csrf.hasToken(request(Map.of(Csrf.HEADER, csrf.token())))).isTrue();
        assertThat(csrf.hasToken(request(Map.of(Csrf.HEADER, new Csrf().token())))).isFalse();
        assertThat(csrf.hasToken(request(Map.of()))).isFalse();
    }

    @Test
    void anotherOriginIsRefusedAndNoOriginPasses() {
        String host = "127.0.0.1:8181";
        assertThat(Csrf.sameOrigin(request(Map.of("Host", host)))).isTrue();
        assertThat(Csrf.sameOrigin(request(Map.of("Host", host, "Origin", "http://127.0.0.1:8181")))).isTrue();
        assertThat(Csrf.sameOrigin(request(Map.of("Host", host, "Referer", "http://127.0.0.1:8181/system/console/bundles"))))
                .isTrue();
        assertThat(Csrf.sameOrigin(request(Map.of("Host", host, "Origin", "http://evil.example")))).isFalse();
        assertThat(Csrf.sameOrigin(request(Map.of("Host", host, "Origin", "http://127.0.0.1:9999")))).isFalse();
        assertThat(Csrf.sameOrigin(request(Map.of("Host", host, "Origin", "null")))).isFalse();
        assertThat(Csrf.sameOrigin(request(Map.of("Host", host, "Referer", "file:///tmp/x.html")))).isFalse();
        assertThat(Csrf.safeMethod("GET")).isTrue();
        assertThat(Csrf.safeMethod("POST")).isFalse();
    }
}
