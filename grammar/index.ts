// Public surface of grammar/: code outside this folder imports only from here.

// AST and diagnostics
export type * from './ast.js';
export type { Diagnostic } from './diagnostics.js';

// parser
export { parseDockerfile } from './parse.js';
export type { ParseOptions, ParseResult } from './parse.js';

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
export type { IgnoreMatcher } from './dockerignore.js';
