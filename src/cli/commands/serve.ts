// `genreview serve [DIR]`: the local review dashboard over every run under DIR (src/serve/). Runs until
// interrupted (Ctrl-C, SIGTERM), then closes its connections and exits 0.
import { InvalidArgumentError } from "commander";
import { DEFAULT_HOST, startDashboard } from "../../serve/server.ts";
import type { CommandModule } from "../main.ts";

/**
 * The default folder of runs. `genreview train` has no default output (--out is required), so this is a
 * convention, the one the README's examples follow: `train --out runs/NAME` puts a run where it is found.
 */
const DEFAULT_DIR = "runs";
/** A fixed default port so a bookmark keeps working; --port 0 picks any free one. */
const DEFAULT_PORT = 4780;

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) {
    throw new InvalidArgumentError(`expected a port number 0-65535, got "${value}"`);
  }
  return port;
}

export const register: CommandModule = (program, io) => {
  program
    .command("serve")
    .description(
      "Open the review dashboard for the runs under DIR: filmstrips of the fixed seeds across checkpoints, " +
        "scores and losses, the selection rule, notes and failure marks (saved to each run's review/notes.json).",
    )
    .argument(
      "[DIR]",
      "folder of runs (DIR/RUN or DIR/GROUP/RUN), or one run folder; train and import write where " +
        "--out says, so train --out runs/NAME is found by default (the demo's runs: serve demo-runs)",
      DEFAULT_DIR,
    )
    .option("--port <n>", "port to listen on (0: any free port)", parsePort, DEFAULT_PORT)
    .option(
      "--host <address>",
      `interface to listen on; other machines can reach the dashboard (and edit reviews) unless it is loopback`,
      DEFAULT_HOST,
    )
    .action(async (dir: string, options: { port: number; host: string }) => {
      const dashboard = await startDashboard({
        root: dir,
        host: options.host,
        port: options.port,
        onError: io.err,
      });
      io.out(dashboard.url);
      io.err(`serving the runs under ${dir}; press Ctrl-C to stop`);

      // wait for an interrupt, then shut down cleanly
      await new Promise<void>((done) => {
        const stop = () => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          done();
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
      await dashboard.close();
    });
};
