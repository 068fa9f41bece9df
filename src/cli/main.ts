// The `genreview` command line. Each command lives in its own module under src/cli/commands/ and registers
// itself on the program; this file wires them up and turns errors into messages and exit statuses:
// 0 success, 1 a completed job whose answer is negative (e.g. no checkpoint selected), 2 bad input.
import { Command, CommanderError } from "commander";
import { GenreviewError } from "../util/errors.ts";
import { VERSION } from "../version.ts";
import { register as compare } from "./commands/compare.ts";
import { register as data } from "./commands/data.ts";
import { register as demo } from "./commands/demo.ts";
import { register as evaluate } from "./commands/evaluate.ts";
import { register as importSamples } from "./commands/import.ts";
import { register as metrics } from "./commands/metrics.ts";
import { register as report } from "./commands/report.ts";
import { register as review } from "./commands/review.ts";
import { register as sample } from "./commands/sample.ts";
import { register as serve } from "./commands/serve.ts";
import { register as train } from "./commands/train.ts";
import { type Io, processIo } from "./io.ts";

/** A command module: adds its command to `program`; its action sets `state.exitCode` when not 0. */
export type CommandModule = (program: Command, io: Io, state: { exitCode: number }) => void;

const modules: CommandModule[] = [
  review,
  demo,
  data,
  serve,
  metrics,
  report,
  compare,
  importSamples,
  evaluate,
  train,
  sample,
];

export function buildProgram(io: Io, state: { exitCode: number }): Command {
  const program = new Command("genreview")
    .description(
      "Train, sample, measure and review checkpoints of small generative models (VAE, GAN, diffusion), " +
        "then select one with a declared rule and package the evidence.",
    )
    .version(VERSION)
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({
      writeOut: (s) => io.out(s.replace(/\n$/, "")),
      writeErr: (s) => io.err(s.replace(/\n$/, "")),
    })
    .exitOverride();
  for (const register of modules) register(program, io, state);
  return program;
}

/** Run the CLI on `argv` (as process.argv) and return the exit status. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const state = { exitCode: 0 };
  const program = buildProgram(io, state);
  try {
    await program.parseAsync(argv);
    return state.exitCode;
  } catch (error) {
    return exitStatusFor(error, io);
  }
}

/**
 * Exit status of a command that threw: 0 for help and version, 2 for usage errors and bad input (a
 * GenreviewError names the file and what was wrong), 3 for anything unexpected (a fault in genreview
 * or its runtime), printed with its stack so it can be reported. 1 stays reserved for "no checkpoint
 * selected", so scripts can tell a decision from a failure.
 */
export function exitStatusFor(error: unknown, io: Io): number {
  if (error instanceof CommanderError) {
    // help and version exit with 0; usage errors with 2 (commander has already printed the message).
    return error.exitCode === 0 ? 0 : 2;
  }
  if (error instanceof GenreviewError) {
    io.err(`genreview: ${error.message}`);
    return 2;
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  io.err(`genreview: unexpected error (exit status 3): ${detail}`);
  return 3;
}
