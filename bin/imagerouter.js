#!/usr/bin/env node
// Builds the TypeScript sources when they are newer than the build, then runs the CLI.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = path.join(root, 'dist', 'cli', 'main.js');
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
const stale = !existsSync(entry) || !existsSync(buildInfo) || (existsSync(sources) && newestMtime(sources) > statSync(buildInfo).mtimeMs);
if (stale && existsSync(path.join(root, 'tsconfig.build.json'))) {
  process.stderr.write('imagerouter: building…\n');
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
  // tsc leaves the build info alone when nothing changed; mark the build as current anyway.
  if (existsSync(buildInfo)) utimesSync(buildInfo, new Date(), new Date());
}

const { runCli } = await import(pathToFileURL(entry).href);
await runCli(process.argv);
