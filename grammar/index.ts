// Public surface of grammar/: code outside this folder imports only from here.

// AST and diagnostics
export type * from './ast.js';
export type { Diagnostic } from './diagnostics.js';

// parser
export { parseDockerfile } from './parse.js';
export type { ParseOptions, ParseResult } from './parse.js';
export { parseMount } from './mount.js';
export type { MountSpec, MountParseResult, CacheSharing } from './mount.js';
export { instructionFlags, checkFlags } from './flags.js';
export type { FlagSpec, FlagValueKind, FlagProblem } from './flags.js';
export { parseHeredocWord, heredocsInLine, chompHeredoc, HeredocSyntaxError } from './heredoc.js';
export type { HeredocMarker } from './heredoc.js';
export { findDirective } from './directives.js';
export type { DetectedDirective } from './directives.js';
export { parseJsonArray, splitShellWords } from './words.js';
export type { JsonArrayResult, Span } from './words.js';
export { parseGoDuration } from './duration.js';

// expansion and ignore rules
export { expandWord, expandWords, ExpandError, envLookup, expandsArguments, shellPatternToRegExp } from './expand.js';
export type { Lookup, EnvSource, ExpandOptions, ExpandResult } from './expand.js';
export {
  parseDockerignore,
  compileIgnore,
  matchGlob,
  compileGlob,
  dockerignorePathFor,
  DOCKERIGNORE_FILE,
  PatternSyntaxError,
} from './dockerignore.js';
export type { IgnoreMatcher, IgnoreRules } from './dockerignore.js';
