// `genreview demo`: for now, the review of the example table that ships with the package, explained.
// (The full demo, training and evaluating a small model end to end, will replace this.)
import { fileURLToPath } from "node:url";
import type { CommandModule } from "../main.ts";
import { runReview } from "./review.ts";

/** The shipped example table, found from this file so that the demo works from any folder. */
export const EXAMPLE_TABLE = fileURLToPath(new URL("../../../examples/table.json", import.meta.url));

export const register: CommandModule = (program, io, state) => {
  program
    .command("demo")
    .description("Review the example checkpoint table with the default rule and explain the choice")
    .action(() => {
      io.err(`demo: genreview review ${EXAMPLE_TABLE} --explain`);
      state.exitCode = runReview({ table: EXAMPLE_TABLE, explain: true, format: "text" }, io);
    });
};
