// kubectl-mscred: the kubectl plugin's entry point (bin/kubectl-mscred runs it on Node 24).
// `kubectl mscred ARGS` runs this with ARGS. See main.ts, and --help for the commands.
import { createInterface } from "node:readline/promises";
import type { Io } from "./io.ts";
import { main } from "./main.ts";

const io: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  interactive: process.stdin.isTTY === true,
  async confirm(question) {
    const terminal = createInterface({ input: process.stdin, output: process.stderr });
    try {
      const answer = await terminal.question(`${question} [y/N] `);
      return /^y(es)?$/i.test(answer.trim());
    } finally {
      terminal.close();
    }
  },
  now: () => new Date(),
};

process.exitCode = await main(process.argv.slice(2), io, process.env);
