// Go's time.Duration text as Go prints it (`1m30s`, `100ms`): BuildKit's HEALTHCHECK history shows durations
// this way. Parsing them is grammar's (parseGoDuration).

/** Go's Duration.String(): `0s`, `100ms`, `1.5µs`, `1m30s`, `1h0m0s`. */
export function formatGoDuration(nanos: number): string {
  if (nanos === 0) return '0s';
  const sign = nanos < 0 ? '-' : '';
  const abs = Math.abs(nanos);
  if (abs < 1e3) return `${sign}${abs}ns`;
  if (abs < 1e6) return `${sign}${fraction(abs, 3)}µs`;
  if (abs < 1e9) return `${sign}${fraction(abs, 6)}ms`;
  const hours = Math.floor(abs / 3600e9);
  const minutes = Math.floor((abs % 3600e9) / 60e9);
  const seconds = `${fraction(abs % 60e9, 9)}s`;
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}`;
  return `${sign}${seconds}`;
}

/** value / 10^digits with trailing zeros of the fraction dropped. */
function fraction(value: number, digits: number): string {
  const scale = 10 ** digits;
  const whole = Math.floor(value / scale);
  const rest = String(value % scale).padStart(digits, '0').replace(/0+$/, '');
  return rest === '' ? String(whole) : `${whole}.${rest}`;
}
