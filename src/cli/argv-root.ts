// The program's own option, `--root DIR` / `--root=DIR`, which may only come before the command word: where
// the command word is and which state root argv names. Shared by the launcher, the command table and the
// build replay, which all look at argv before commander does.

export interface LeadingRoot {
  /** The --root value, when argv gives one. */
  root: string | undefined;
  /** Index of the first argument after the --root options (the command word, if any). */
  next: number;
}

export function leadingRoot(argv: readonly string[]): LeadingRoot {
  let index = 0;
  let root: string | undefined;
  for (;;) {
    const arg = argv[index];
    if (arg === '--root') {
      root = argv[index + 1];
      index += 2;
    } else if (arg?.startsWith('--root=')) {
      root = arg.slice('--root='.length);
      index += 1;
    } else {
      return { root, next: index };
    }
  }
}
