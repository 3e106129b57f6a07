// STOPSIGNAL values Docker accepts (moby/sys/signal's ParseSignal on Linux): a non-zero number, or a signal
// name in any case with or without `SIG`, real-time ones as RTMIN+n / RTMAX-n.
const names = new Set([
  ...'ABRT ALRM BUS CHLD CLD CONT FPE HUP ILL INT IO IOT KILL PIPE POLL PROF PWR QUIT SEGV STKFLT STOP SYS TERM TRAP TSTP TTIN TTOU URG USR1 USR2 VTALRM WINCH XCPU XFSZ RTMIN RTMAX'.split(' '),
  ...Array.from({ length: 15 }, (_, i) => `RTMIN+${i + 1}`),
  ...Array.from({ length: 14 }, (_, i) => `RTMAX-${i + 1}`),
]);

/** Whether BuildKit takes `value` as a stop signal (it fails the build with `invalid signal: <value>` otherwise). */
export function isStopSignal(value: string): boolean {
  if (/^[+-]?\d+$/.test(value)) return Number(value) !== 0;
  const upper = value.toUpperCase();
  return names.has(upper.startsWith('SIG') ? upper.slice(3) : upper);
}
