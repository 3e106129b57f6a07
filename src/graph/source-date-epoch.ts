// SOURCE_DATE_EPOCH as a build arg (or a global ARG default): seconds since the epoch, or a value that is
// resolved later (`context`, or the name of a source-only stage).

export type SourceDateEpoch = { kind: 'seconds'; seconds: number } | { kind: 'deferred'; from: string };

export class SourceDateEpochError extends Error {
  override name = 'SourceDateEpochError';
}

/** Undefined for an empty value; throws `invalid SOURCE_DATE_EPOCH: …` for anything unusable. */
export function parseSourceDateEpoch(value: string, stageNames: readonly string[] = []): SourceDateEpoch | undefined {
  if (value === '') return undefined;
  if (/^\d+$/.test(value)) return { kind: 'seconds', seconds: Number(value) };
  if (value === 'context' || stageNames.some((name) => name.toLowerCase() === value.toLowerCase())) {
    return { kind: 'deferred', from: value };
  }
  throw new SourceDateEpochError(`invalid SOURCE_DATE_EPOCH: ${value}`);
}
