// A build's replay record (build-replay.ts says what it is for): its fields, the request key it answers and the
// file that holds it. Kept apart from the replayer and the writer, so the replay bundle loads neither the CLI
// nor the atomic writer's dependencies.
import { join } from 'node:path';
import type { ContextStats } from '../context/stat-record.js';
import type { ReplayFacts } from '../engine-build.js';
import type { BuiltImageReport } from './build-report.js';
import type { ProgressMode } from './progress.js';

/** Bumped when the record's meaning changes; records of other formats never match (the key holds it). */
const replayFormat = 1;

export interface ReplayRecord {
  /** The request: format, code identity, working directory and argv (replayKey). */
  key: string;
  /** Environment variables the build read (SOURCE_DATE_EPOCH, bare --build-arg names); null when unset. */
  env: Record<string, string | null>;
  /** Files read to find the Dockerfile and ignore rules, with their text; null when not there. */
  files: { path: string; text: string | null }[];
  context: ContextStats;
  images: ReplayFacts['images'];
  /** The -t tags as the image store keys them, all naming `manifestDigest`. */
  tags: string[];
  manifestDigest: string;
  /** The cache record files the build used, each with its text: one rewritten or corrupted is a miss, as for a build. */
  records: { file: string; text: string }[];
  blobFiles: string[];
  steps: ReplayFacts['steps'];
  progress: ProgressMode;
  iidfile: string | undefined;
  report: BuiltImageReport;
}

/** The request a record answers: exact argv and working directory, and the code that judged it. */
export function replayKey(code: string, cwd: string, argv: readonly string[]): string {
  return JSON.stringify([replayFormat, code, cwd, argv]);
}

/** The key's hash names the file; the key inside decides, so two keys sharing a name only cost a build. */
export function replayFile(replaysDir: string, key: string): string {
  return join(replaysDir, `${textHash(key)}.json`);
}

/** FNV-1a (32 bits) and the length: tells a text from a changed one, not from one made to collide. */
function textHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return `${(hash >>> 0).toString(16).padStart(8, '0')}-${text.length}`;
}
