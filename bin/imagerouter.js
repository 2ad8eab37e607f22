#!/usr/bin/env node
// Builds the server when the TypeScript sources are newer than the build, then runs the CLI
// from the bundle (dist/bundle/cli.js, made from tsc's output by scripts/bundle-server.js).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
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
const stale =
  !existsSync(entry) ||
  !existsSync(buildInfo) ||
  statSync(entry).mtimeMs < statSync(buildInfo).mtimeMs ||
  (existsSync(sources) && newestMtime(sources) > statSync(buildInfo).mtimeMs);
if (stale && existsSync(path.join(root, 'tsconfig.build.json'))) {
  process.stderr.write('imagerouter: building…\n');
  const steps = [
    [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(root, 'tsconfig.build.json')],
    [path.join(root, 'dist', 'catalog', 'write-built-models.js')],
    [path.join(root, 'scripts', 'bundle-server.js')],
  ];
  for (const step of steps) {
    // The steps' output (tsc's errors among it) goes to stderr: stdout belongs to the command.
    const result = spawnSync(process.execPath, step, { stdio: ['ignore', 2, 'inherit'] });
    if (result.status !== 0) process.exit(result.status ?? 1);
  }
  // tsc leaves the build info alone when nothing changed; mark the build as current anyway, and
  // the bundle after it (it was made from this build).
  const now = Date.now();
  utimesSync(buildInfo, new Date(now), new Date(now));
  utimesSync(entry, new Date(now + 1), new Date(now + 1));
}

const { runCli } = await import(pathToFileURL(entry).href);
await runCli(process.argv);
