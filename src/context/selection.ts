// Which entries of a context directory a copy selects: the context's .dockerignore (paths relative to
// the context) and the instruction's --exclude (paths relative to the copied source), with pruning of
// directories no exception pattern can re-include. The copy and the checksum walk both ask here.
import type { IgnoreMatcher } from '../../grammar/index.js';

export interface SelectionRules {
  /** .dockerignore of the context; undefined for stage/image sources. */
  sourceIgnore: IgnoreMatcher | undefined;
  /** --exclude patterns of the instruction. */
  exclude: IgnoreMatcher | undefined;
}

/** Where an entry is: `contextPath` for .dockerignore, `relative` (below the copied source) for --exclude. */
export interface EntryPaths {
  contextPath: string;
  relative: string;
}

/** A non-directory entry is left out when either rule set ignores it. */
export function leavesOutFile(rules: SelectionRules, paths: EntryPaths): boolean {
  return rules.sourceIgnore?.ignores(paths.contextPath) === true || rules.exclude?.ignores(paths.relative) === true;
}

/** A directory is skipped, with everything below it, when a rule set ignores it and nothing below can come back. */
export function skipsDirectory(rules: SelectionRules, paths: EntryPaths): boolean {
  const { sourceIgnore, exclude } = rules;
  if (sourceIgnore?.ignores(paths.contextPath) && !sourceIgnore.mayIncludeUnder(paths.contextPath)) return true;
  return exclude?.ignores(paths.relative) === true && !exclude.mayIncludeUnder(paths.relative);
}

/** Child paths of `parent` for the entry `name`. */
export function childPaths(parent: EntryPaths, name: string): EntryPaths {
  return {
    contextPath: parent.contextPath === '' ? name : `${parent.contextPath}/${name}`,
    relative: parent.relative === '' ? name : `${parent.relative}/${name}`,
  };
}
