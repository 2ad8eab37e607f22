#!/usr/bin/env node
// Builds the server when the TypeScript sources are newer than the build, then runs the CLI
// from the bundle (dist/bundle/cli.js, made from tsc's output by scripts/bundle-server.js).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = path.join(root, 'dist', 'bundle', 'cli.js');
const buildInfo = path.join(root, 'dist', '.tsbuildinfo');

function newestMtime(directory) {
  let newest = 0;
  for (const item of readdirSync(directory, { withFileTypes: true })) {
    const full = path.join(directory, item.name);
    const time = item.isDirectory() ? newestMtime(full) : item.name.endsWith('.ts') ? statSync(full).mtimeMs : 0;
    if (time > newest) newest = time;
  }
  return newest;
}

const sources = path.join(root, 'src');
const isStale = () =>
  !existsSync(entry) ||
  !existsSync(buildInfo) ||
  statSync(entry).mtimeMs < statSync(buildInfo).mtimeMs ||
  (existsSync(sources) && newestMtime(sources) > statSync(buildInfo).mtimeMs);

/** Builds the server (what `npm run build` does but the dashboard); returns the exit status of the first failed step, or 0. */
function build() {
  process.stderr.write('imagerouter: building…\n');
  const steps = [
    [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(root, 'tsconfig.build.json')],
    [path.join(root, 'dist', 'catalog', 'write-built-models.js')],
    [path.join(root, 'scripts', 'bundle-server.js')],
  ];
  for (const step of steps) {
    // The steps' output (tsc's errors among it) goes to stderr: stdout belongs to the command.
    const result = spawnSync(process.execPath, step, { stdio: ['ignore', 2, 'inherit'] });
    if (result.status !== 0) return result.status ?? 1;
  }
  // tsc leaves the build info alone when nothing changed; mark the build as current anyway, and
  // the bundle after it (it was made from this build).
  const now = Date.now();
  utimesSync(buildInfo, new Date(now), new Date(now));
  utimesSync(entry, new Date(now + 1), new Date(now + 1));
  return 0;
}

/**
 * One build at a time: commands started together on a stale checkout (a test run's workers) would
 * otherwise replace dist/bundle/ under each other. The others wait, then find the build current.
 * A lock older than a build can take is left from a killed one and is taken over.
 */
function withBuildLock(run) {
  const lock = path.join(root, 'dist', '.build-lock');
  mkdirSync(path.dirname(lock), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      if (Date.now() - statSync(lock, { throwIfNoEntry: false })?.mtimeMs > 10 * 60_000) rmSync(lock, { recursive: true, force: true });
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
  try {
    return run();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

if (existsSync(path.join(root, 'tsconfig.build.json')) && isStale()) {
  const status = withBuildLock(() => (isStale() ? build() : 0));
  if (status !== 0) process.exit(status);
}

const { runCli } = await import(pathToFileURL(entry).href);
await runCli(process.argv);
