// Typed errors that travel from any layer to the CLI, and the one table mapping them to exit codes.
// Layers throw these (with `cause` where there is one); only src/cli/ turns them into output and exit codes.

/** A place in a source file (usually the Dockerfile) that an error points at. */
export interface SourceRef {
  file: string;
  line: number; // 1-based
  column: number; // 1-based
  endLine?: number;
  endColumn?: number;
}

export type ErrorCode =
  | 'user' // bad flag, bad argument, bad input file
  | 'dockerfile' // the Dockerfile does not parse or does not make sense
  | 'not-found' // image, container, file that does not exist
  | 'conflict' // name in use, image in use
  | 'step-failed' // a build step's process failed
  | 'internal'; // a bug: printed with its stack

export class TsbuildError extends Error {
  readonly code: ErrorCode;
  readonly sources: SourceRef[];
  constructor(code: ErrorCode, message: string, options: { cause?: unknown; sources?: SourceRef[] } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.sources = options.sources ?? [];
  }
}

export class UserError extends TsbuildError {
  constructor(message: string, options?: { cause?: unknown; sources?: SourceRef[] }) {
    super('user', message, options);
  }
}

export class DockerfileError extends TsbuildError {
  constructor(message: string, options?: { cause?: unknown; sources?: SourceRef[] }) {
    super('dockerfile', message, options);
  }
}

export class NotFoundError extends TsbuildError {
  constructor(message: string, options?: { cause?: unknown; sources?: SourceRef[] }) {
    super('not-found', message, options);
  }
}

export class ConflictError extends TsbuildError {
  constructor(message: string, options?: { cause?: unknown; sources?: SourceRef[] }) {
    super('conflict', message, options);
  }
}

export class StepFailedError extends TsbuildError {
  constructor(message: string, options?: { cause?: unknown; sources?: SourceRef[] }) {
    super('step-failed', message, options);
  }
}

export class InternalError extends TsbuildError {
  constructor(message: string, options?: { cause?: unknown; sources?: SourceRef[] }) {
    super('internal', message, options);
  }
}

/** Exit code per error class for commands other than `run` (which uses Docker's 125/126/127 rules itself). */
export const exitCodes: Record<ErrorCode, number> = {
  user: 1,
  dockerfile: 1,
  'not-found': 1,
  conflict: 1,
  'step-failed': 1,
  internal: 70,
};
