// The simulated identity platform in a process of its own, as Microsoft would be: its CPU (token
// signing) and the benchmark's own watch do not share one event loop. It is `npm run fake-microsoft
// -- --seed`: the one SIMULATED world (test/fixtures/world.ts), driven through the fake's control
// client (test/fakes/control-client.ts).
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { connectFakeControl, type FakeControlClient } from "../test/fakes/index.ts";
import { repoRoot } from "../test/harness/assets.ts";

export interface FakeProcess {
  readonly url: string;
  readonly caPath: string;
  /** Its process, for reading its CPU time in /proc. */
  readonly pid: number;
  /** Its /_fake/ control API. */
  readonly control: FakeControlClient;
  stop(): Promise<void>;
}

/** Starts `test/fakes/main.ts --seed` and reads its URL and CA from what it prints. */
export async function startFakeProcess(): Promise<FakeProcess> {
  const child = spawn(process.execPath, [join(repoRoot, "test/fakes/main.ts"), "--seed"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let printed = "";
  const fields = await new Promise<{ url: string; caPath: string }>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the fake identity platform exited (code ${String(code)})`)));
    child.stdout.on("data", (chunk: Buffer) => {
      printed += chunk.toString("utf8");
      const url = /^url:\s+(\S+)$/m.exec(printed)?.[1];
      const caPath = /^CA:\s+(\S+)$/m.exec(printed)?.[1];
      if (url !== undefined && caPath !== undefined && printed.includes("seeded:")) resolve({ url, caPath });
    });
  });
  const control = connectFakeControl({ url: fields.url, caPem: await readFile(fields.caPath, "utf8") });
  return {
    ...fields,
    pid: child.pid ?? -1,
    control,
    stop: async () => {
      child.removeAllListeners("exit");
      child.kill("SIGTERM");
      await control.close();
    },
  };
}
