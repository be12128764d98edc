// The simulated identity platform in a process of its own, as Microsoft would be: its CPU (token
// signing) and the benchmark's own watch do not share one event loop.
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Agent, request } from "undici";
import { repoRoot } from "../test/harness/assets.ts";

/** A device code as `GET /_fake/devicecodes` shows it (never the device code itself). */
export interface DeviceCodeView {
  readonly userCode: string;
  readonly status: string;
  /** Seconds; grows by 5 each time the fake answered slow_down. */
  readonly interval: number;
}

export interface FakeProcess {
  readonly url: string;
  readonly caPath: string;
  /** Token-endpoint requests since the last reset; `grant` narrows (device_code, refresh_token, …). */
  tokenRequests(grant?: string): Promise<number>;
  /** Requests to `/devicecode` since the last reset. */
  deviceCodeRequests(): Promise<number>;
  resetRequests(): Promise<void>;
  updateSettings(settings: Record<string, number>): Promise<void>;
  deviceCodes(which?: "pending"): Promise<DeviceCodeView[]>;
  /** Approves a code as `user` would on the sign-in page; false if the fake refused. */
  approve(userCode: string, user: string): Promise<boolean>;
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
  const dispatcher = new Agent({ connect: { ca: await readFile(fields.caPath, "utf8") } });
  const control = async (
    method: "GET" | "DELETE" | "POST" | "PATCH",
    path: string,
    body?: object,
  ): Promise<{ status: number; json: unknown }> => {
    const options =
      body === undefined
        ? { method, dispatcher }
        : { method, dispatcher, body: JSON.stringify(body), headers: { "content-type": "application/json" } };
    const response = await request(`${fields.url}/_fake/${path}`, options);
    return { status: response.statusCode, json: await response.body.json() };
  };
  const count = async (query: string): Promise<number> =>
    ((await control("GET", `requests?${query}`)).json as { count: number }).count;
  return {
    ...fields,
    tokenRequests: (grant) => count(grant === undefined ? "endpoint=token" : `endpoint=token&grant=${grant}`),
    deviceCodeRequests: () => count("endpoint=devicecode"),
    resetRequests: async () => void (await control("DELETE", "requests")),
    updateSettings: async (settings) => void (await control("PATCH", "settings", settings)),
    deviceCodes: async (which) =>
      (await control("GET", which === "pending" ? "devicecodes/pending" : "devicecodes")).json as DeviceCodeView[],
    approve: async (userCode, user) =>
      (await control("POST", `devicecodes/${userCode}/approve`, { user })).status < 300,
    stop: async () => {
      child.removeAllListeners("exit");
      child.kill("SIGTERM");
      await dispatcher.close();
    },
  };
}
