// A build that would change nothing, answered without building. After a build, the CLI keeps a replay record
// in the state root: the request (argv, working directory, the environment it read, the code that ran), the
// files read to start it (Dockerfile, ignore files) with their text, the context's stats, the images each base
// reference named, the tags, the cache records of its steps and what it printed. When the same request comes
// again and all of that still holds, a build would take every step from the cache and name the same image, so
// the record answers, printing what that build prints, without parsing, planning or keying a step. Anything
// else means a real build: a record is written only where that judgement is sound (no ADD of a URL or git
// repository, no --no-cache, secrets or exports; context stats old enough to trust). The launcher
// (launcher.ts) tries this before it loads the rest of the CLI.
import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { resolveConfig, statePaths } from '../config.js';
import { contextStatsHold } from '../context/stat-record.js';
import { findInState, storeStateTable } from '../image/store-state.js';
import { leadingRoot } from './argv-root.js';
import { reportBuiltImage } from './build-report.js';
import { codeIdentity } from './code-identity.js';
import { createProgress } from './progress.js';
import { replayFile, replayKey, type ReplayRecord } from './replay-record.js';

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function readRecord(file: string, key: string): ReplayRecord | undefined {
  const text = readText(file);
  if (text === null) return undefined;
  const record = JSON.parse(text) as ReplayRecord;
  return record.key === key ? record : undefined;
}

/** Whether everything the record's build depended on is as it was; touches its cache records as a build using them would. */
function stillHolds(record: ReplayRecord, env: NodeJS.ProcessEnv, imagesDir: string): boolean {
  if (Object.entries(record.env).some(([name, value]) => (env[name] ?? null) !== value)) return false;
  if (record.files.some((file) => readText(file.path) !== file.text)) return false;
  if (!contextStatsHold(record.context)) return false;
  const state = storeStateTable(imagesDir).read();
  // Untagged, the image may have been removed while the build cache kept its blobs.
  if (state.images[record.manifestDigest] === undefined || record.tags.some((tag) => state.tags[tag] !== record.manifestDigest)) return false;
  if (record.blobFiles.some((file) => !existsSync(file))) return false;
  if (record.images.some((image) => findInState(state, image.ref)?.manifestDigest !== image.manifestDigest)) return false;
  // A pruned, rewritten or corrupt cache record would make a build run its step: so it is a miss here too.
  if (record.records.some((cached) => readText(cached.file) !== cached.text)) return false;
  // The records' mtimes are their last use (what `builder prune --filter until=` goes by).
  const now = Date.now() / 1000;
  for (const cached of record.records) utimesSync(cached.file, now, now);
  return true;
}

export interface ReplayIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

/**
 * Answers `tsbuild build` argv from its replay record, when there is one and it still holds: prints what the
 * build would print and writes its --iidfile. False when a real build is needed (nothing printed then).
 */
export async function replayBuild(argv: readonly string[], env: NodeJS.ProcessEnv, cwd: string, io: ReplayIo): Promise<boolean> {
  const code = codeIdentity();
  // TSBUILD_REPLAY=0: always build (the records are still kept).
  if (code === undefined || env['TSBUILD_REPLAY'] === '0') return false;
  const key = replayKey(code, cwd, argv);
  let record: ReplayRecord | undefined;
  try {
    const paths = statePaths(resolveConfig({ root: leadingRoot(argv).root }).root);
    record = readRecord(replayFile(paths.replays, key), key);
    if (record === undefined || !stillHolds(record, env, paths.images)) return false;
    // Before any output: a file that cannot be written is the real build's error to report.
    if (record.iidfile !== undefined) writeFileSync(record.iidfile, record.report.imageId);
  } catch {
    return false; // an unreadable record or store: the build finds out what is wrong
  }
  await printReplayed(record, io);
  return true;
}

/** The progress of a build taking every step from the cache, then its closing lines. */
async function printReplayed(record: ReplayRecord, io: ReplayIo): Promise<void> {
  const progress = await createProgress(record.progress, io.stderr);
  for (const step of record.steps) {
    if (step.cached) {
      progress.handle({ type: 'cached', step: step.id, name: step.name });
      continue;
    }
    const time = Date.now();
    progress.handle({ type: 'started', step: step.id, name: step.name, time });
    progress.handle({ type: 'done', step: step.id, time });
  }
  progress.finish();
  reportBuiltImage(record.report, io.stdout, io.stderr);
}
