#!/usr/bin/env node
// Entry point of the `genreview` command. The sources are TypeScript, run through tsx's loader so that a
// checkout works with no build step.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv);
