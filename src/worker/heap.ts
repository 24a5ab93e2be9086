/**
 * The worker's V8 heap limit. Left to itself V8 sizes the heap from the machine's memory (about
 * 4 GiB here) and lets garbage accumulate up to it: with every municipality's process running,
 * the worker peaked at 629 MiB with its cache bounded, 405 MiB with this limit, at the same
 * throughput (bench/README.md#process-benchmark). `npm run worker` and the production stack start the
 * worker with it; raise it with `WORKER_CACHED_PROCESSES` if you cache many more processes.
 */
export const WORKER_HEAP_MB = 384;

/** The Node.js flags the worker runs with. */
export const WORKER_NODE_ARGS: readonly string[] = [`--max-old-space-size=${WORKER_HEAP_MB}`];

/**
 * The environment the worker runs with. glibc gives each thread that allocates its own malloc
 * arena, up to eight per core, and memory freed in one arena is not reused by another: the worker's
 * threads (two for workflows, verification, rendering, Temporal's core, libuv) held 34 MiB more
 * with 600 processes than with two arenas, at the same throughput (bench/README.md#process-benchmark).
 * Other C libraries ignore it.
 */
export const WORKER_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };
