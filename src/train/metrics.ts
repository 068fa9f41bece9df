// metrics.jsonl of a training run: one {"step","epoch","time","key","value"} line per value, appended as
// training goes (src/run/io.ts appendMetrics), so another process can tail it and a crash loses at most
// a partial last line. `time` counts seconds of training since the run started, across resumes.
import { existsSync } from "node:fs";
import { appendMetrics, readMetrics } from "../run/io.ts";
import { runPaths } from "../run/layout.ts";
import type { MetricRecord } from "../run/schema.ts";
import { writeFileAtomic } from "../util/atomic.ts";

export class MetricLog {
  /** Seconds already on the clock when this process took over (the last kept record's time). */
  private offset = 0;
  private readonly start = performance.now();

  constructor(private readonly run: string) {}

  private now(): number {
    return this.offset + (performance.now() - this.start) / 1000;
  }

  /** Append one record per key, all at `step` and (possibly fractional) `epoch`. */
  append(step: number, epoch: number, values: Readonly<Record<string, number | null>>): void {
    const time = this.now();
    const records: MetricRecord[] = Object.entries(values).map(([key, value]) => ({
      step,
      epoch,
      time,
      key,
      value: value === null || Number.isFinite(value) ? value : null,
    }));
    appendMetrics(this.run, records);
  }

  /** Start an empty log (a new run, or one started over). */
  reset(): void {
    writeFileAtomic(runPaths(this.run).metrics, "");
    this.offset = 0;
  }

  /**
   * Keep only what an uninterrupted run would hold at the checkpoint of `epoch` (step `step`): records up
   * to that step and epoch. Lines written after it by the interrupted process, and any partial last
   * line, are dropped, so that the resumed log reads like one run.
   */
  truncate(step: number, epoch: number): void {
    if (!existsSync(runPaths(this.run).metrics)) {
      this.reset();
      return;
    }
    const kept = readMetrics(this.run).records.filter((r) => r.step <= step && r.epoch <= epoch);
    writeFileAtomic(runPaths(this.run).metrics, kept.map((r) => `${JSON.stringify(r)}\n`).join(""));
    this.offset = kept.reduce((t, r) => Math.max(t, r.time), 0);
  }
}
