// Where the CLI's words go: results on stdout, progress and messages on stderr. Progress bars appear only
// on an interactive terminal and never in --json or --quiet mode, and they are cleared when done.
import cliProgress from "cli-progress";

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** True when stderr is a terminal (progress bars allowed). */
  interactive: boolean;
}

export const processIo: Io = {
  out: (text) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith("\n") ? text : `${text}\n`),
  interactive: Boolean(process.stderr.isTTY),
};

/** A progress reporter. `update` takes the current count and named values shown after the bar. */
export interface Progress {
  update(value: number, payload?: Record<string, string | number>): void;
  stop(): void;
}

const silent: Progress = { update: () => {}, stop: () => {} };

/**
 * A progress bar on stderr when `io` is interactive and `enabled`; otherwise a silent reporter.
 * `fields` name the payload keys printed after the bar, in order.
 */
export function progressBar(
  io: Io,
  total: number,
  label: string,
  fields: string[],
  enabled = true,
): Progress {
  if (!io.interactive || !enabled) return silent;
  const format = [
    `${label} {bar} {value}/{total}`,
    ...fields.map((f) => `${f} {${f}}`),
    "eta {eta_formatted}",
  ].join(" | ");
  const bar = new cliProgress.SingleBar(
    { format, stream: process.stderr, clearOnComplete: true, hideCursor: true, etaBuffer: 20 },
    cliProgress.Presets.shades_classic,
  );
  const blank = Object.fromEntries(fields.map((f) => [f, "-"]));
  bar.start(total, 0, blank);
  return {
    update: (value, payload) => bar.update(value, payload ?? {}),
    stop: () => bar.stop(),
  };
}
