/**
 * Node flags for the long-running commands (engine, projector, rebuild). V8 reads them at start only,
 * so they are given on the command line: here for the processes Relance spawns itself, and the same in
 * `bin/relance.js`'s first line and the Dockerfile's entry point.
 *
 * A larger young generation: with a hundred requests in flight, the default 16 MB semi-space is
 * collected while most of its objects are still alive, and copying them out cost the engine a sixth
 * of its CPU per purchase (docs/benchmarks.md, ingest).
 */
export const SERVICE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=32'];
