package dev.codermon.proxy.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class IdePathTest {

    private static void assertKind(IdePath expected, String... originForms) {
        for (String originForm : originForms) {
            assertEquals(expected, IdePath.classify(originForm), originForm);
        }
    }

    @Test
    void code_servers_path_proxy_is_found_however_it_is_spelled() {
        assertKind(IdePath.PATH_PROXY, "/proxy", "/proxy/", "/proxy/8501/", "/absproxy/5432/db?x=1", "/proxy/22",
                "/PROXY/8501/", "/AbsProxy/8501", "/%70roxy/8501/", "/%50ROXY/1/", "//proxy/8501/", "///absproxy/1",
                "/./proxy/8501/", "/x/../proxy/8501/", "/static/%2e%2e/proxy/1/", "/a/b/../../absproxy/1/",
                "/../proxy/1", "\\proxy\\8501", "/%2fproxy/1", "/proxy?x=1", "/proxy/%zz/");
    }

    @Test
    void similar_paths_are_not_the_path_proxy() {
        assertKind(IdePath.ORDINARY, "/", "/proxyish/22/", "/static/proxy/22/", "/proxy.js", "/xproxy/1",
                "/stable-abc/static/out/vs/workbench/workbench.web.main.js", "/healthz", "/?folder=/proxy/1",
                "/static/./app.js", "/manifest.json");
    }

    @Test
    void workspace_file_routes_are_found_under_any_prefix_and_spelling() {
        assertKind(IdePath.WORKSPACE_FILES, "/vscode-remote-resource?path=/home/coder/page.html",
                "/stable-0123abcd/vscode-remote-resource?path=/x", "/vscode/vscode-remote-resource?path=/x",
                "/VSCODE-REMOTE-RESOURCE?path=/x", "/vscode-remote-%72esource?path=/x",
                "//vscode-remote-resource?path=/x", "/a/../vscode-remote-resource?path=/x", "/vscode-remote-resource");
    }

    @Test
    void the_query_is_not_part_of_the_path() {
        assertKind(IdePath.ORDINARY, "/?x=/vscode-remote-resource", "/static/app.js?p=/../proxy/1");
    }

    @Test
    void normalizing_decodes_resolves_dots_and_collapses_slashes() {
        assertEquals("/proxy/8501", IdePath.normalize("//a/./b/../../%70roxy//8501/"));
        assertEquals("/", IdePath.normalize("/../.."));
        assertEquals("/%zz", IdePath.normalize("/%zz"));
    }
}
