/*
 * What one process waking another costs on this machine: a one-byte ping-pong over a unix socket pair
 * between two processes, each blocked in read() until the other writes. Every round trip is two
 * wake-ups. Used by scripts/bench-cluster to put the relay ratio at one connection, where each request
 * is a chain of such wake-ups (same node 4, through another node's relay 6), beside what a wake-up costs.
 *
 * Usage: wakeup CPU_A CPU_B ROUND_TRIPS   (CPU -1: not pinned). Prints "<us per wake-up>".
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void pin(int cpu) {
    if (cpu < 0) return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) { perror("sched_setaffinity"); exit(2); }
}

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: wakeup CPU_A CPU_B ROUND_TRIPS\n"); return 2; }
    int a = atoi(argv[1]), b = atoi(argv[2]), n = atoi(argv[3]);
    if (n < 1 || n > 10000000) { fprintf(stderr, "ROUND_TRIPS: 1 to 10000000\n"); return 2; }
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) { perror("socketpair"); return 2; }
    char x = 'x';
    pid_t child = fork();
    if (child < 0) { perror("fork"); return 2; }
    if (child == 0) {
        pin(b);
        for (int i = 0; i < n; i++) {
            if (read(sv[1], &x, 1) != 1 || write(sv[1], &x, 1) != 1) _exit(1);
        }
        _exit(0);
    }
    pin(a);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < n; i++) {
        if (write(sv[0], &x, 1) != 1 || read(sv[0], &x, 1) != 1) { fprintf(stderr, "ping-pong broke\n"); return 1; }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    int status = 0;
    waitpid(child, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) { fprintf(stderr, "the other process failed\n"); return 1; }
    double us = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / 1e3 / n;
    printf("%.2f\n", us / 2);
    return 0;
}
