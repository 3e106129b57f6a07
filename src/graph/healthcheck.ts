// HEALTHCHECK: flags → Docker's HealthConfig (durations in ns), and the history text BuildKit writes
// (Go's `%+v` of the struct, so durations appear as `1m30s`).
import type { HealthConfig } from '../image/oci.js';
import { parseGoDuration } from '../../grammar/index.js';
import { formatGoDuration } from './durations.js';

export class HealthcheckError extends Error {
  override name = 'HealthcheckError';
}

const MIN_INTERVAL_NANOS = 1e6;

/** `--interval` style flag → nanoseconds; 0 means "use the runtime default". */
export function parseHealthcheckDuration(flag: string, value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  const nanos = parseGoDuration(value);
  if (nanos === undefined) throw new HealthcheckError(`time: invalid duration ${JSON.stringify(value)}`);
  if (nanos === 0) return 0;
  if (nanos < MIN_INTERVAL_NANOS) throw new HealthcheckError(`Interval ${JSON.stringify(flag)} cannot be less than 1ms`);
  return nanos;
}

export function parseHealthcheckRetries(value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  if (!/^-?\d+$/.test(value)) throw new HealthcheckError(`strconv.ParseInt: parsing ${JSON.stringify(value)}: invalid syntax`);
  const retries = Number(value);
  if (retries < 0) throw new HealthcheckError(`--retries cannot be negative (${retries})`);
  return retries;
}

/** `HEALTHCHECK {Test:[CMD-SHELL curl -f x] Interval:30s Timeout:0s StartPeriod:0s StartInterval:0s Retries:3}`. */
export function healthcheckHistory(config: HealthConfig): string {
  const test = `[${(config.Test ?? []).join(' ')}]`;
  const d = (nanos: number | undefined): string => formatGoDuration(nanos ?? 0);
  return (
    `HEALTHCHECK {Test:${test} Interval:${d(config.Interval)} Timeout:${d(config.Timeout)} ` +
    `StartPeriod:${d(config.StartPeriod)} StartInterval:${d(config.StartInterval)} Retries:${config.Retries ?? 0}}`
  );
}
