package dev.codermon.systemtests;

/**
 * The set-up the smoke and fault tests share: an instance started with a workspace (main) each for alice
 * and bob, and a proxy client carrying each one's Basic credentials.
 */
abstract class WithTwoUsers {

    Api api;
    Api.Workspace alice;
    Api.Workspace bob;
    ProxyClient asAlice;
    ProxyClient asBob;

    /** Starts both processes of the instance, then creates (or finds) alice's and bob's workspaces. */
    void startWithTwoUsers(Codermon codermon) {
        codermon.start();
        api = new Api(codermon);
        alice = api.workspaceFor("alice");
        bob = api.workspaceFor("bob");
        asAlice = ProxyClient.basic(codermon, "alice", alice.token());
        asBob = ProxyClient.basic(codermon, "bob", bob.token());
    }
}
