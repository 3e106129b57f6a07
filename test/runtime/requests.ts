// Defaults for the process part of a container request (what `tsbuild run IMAGE` gives with no flags).
import type { ProcessRequest } from '../../src/runtime/process-spec.js';

export const noFlagsProcess: ProcessRequest = {
  command: [],
  entrypoint: undefined,
  envFiles: [],
  env: [],
  callerEnv: {},
  workdir: undefined,
  user: undefined,
  groupAdd: [],
  tty: false,
  init: false,
};
