// DNS names in the fake's serving certificate (`dnsNames`, `npm run fake-microsoft -- --dns-name`),
// for a client that reaches the fake under Microsoft's own names through a private hosts file
// (rclone: bench/rclone-notes.md): TLS that trusts only the fake's CA and checks the name then
// accepts it under those names, and still refuses any other name.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { connect } from "node:tls";
import { afterAll, describe, expect, it } from "vitest";
import { startFakeIdentity, type FakeIdentity } from "../fakes/server.ts";

const fakes: FakeIdentity[] = [];
afterAll(async () => {
  await Promise.all(fakes.map((fake) => fake.close()));
});

/** A TLS handshake with `url`'s address under `servername`: the certificate's subjectAltName, or the error. */
async function handshake(url: string, caPem: string, servername: string): Promise<string> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port), ca: caPem, servername });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("secureConnect", resolve).once("error", reject);
    });
    return socket.getPeerCertificate().subjectaltname ?? "";
  } finally {
    socket.destroy();
  }
}

describe("dnsNames", () => {
  it("are named by the serving certificate, beside localhost and the host address", async () => {
    const fake = await startFakeIdentity({ dnsNames: ["graph.microsoft.com", "login.microsoftonline.com"] });
    fakes.push(fake);
    const san = await handshake(fake.url, fake.caPem, "graph.microsoft.com");
    expect(san).toContain("DNS:graph.microsoft.com");
    expect(san).toContain("DNS:login.microsoftonline.com");
    expect(san).toContain("DNS:localhost");
    expect(san).toContain("IP Address:127.0.0.1");
    await expect(handshake(fake.url, fake.caPem, "login.microsoftonline.com")).resolves.toContain("DNS:");
    await expect(handshake(fake.url, fake.caPem, "example.com")).rejects.toThrow(/example\.com/);
  });

  it("are refused unless they are DNS names", async () => {
    await expect(startFakeIdentity({ dnsNames: ["graph microsoft"] })).rejects.toThrow(/not a DNS name/);
    await expect(startFakeIdentity({ dnsNames: ["a,DNS:evil.com"] })).rejects.toThrow(/not a DNS name/);
  });

  it("come from --dns-name (repeatable) of npm run fake-microsoft", async () => {
    const main = join(import.meta.dirname, "../fakes/main.ts");
    const args = ["--dns-name", "graph.microsoft.com", "--dns-name", "login.microsoftonline.com"];
    const child = spawn(process.execPath, [main, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    child.stdout.setEncoding("utf8");
    child.stderr.resume();
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on("data", (chunk: string) => {
          stdout += chunk;
          if (stdout.includes("control:")) resolve();
        });
        child.once("exit", () => reject(new Error(`fake-microsoft exited: ${stdout}`)));
      });
      const url = /url:\s+(\S+)/.exec(stdout)?.[1] ?? "";
      const caPem = await readFile(/CA:\s+(\S+)/.exec(stdout)?.[1] ?? "", "utf8");
      expect(await handshake(url, caPem, "login.microsoftonline.com")).toContain("DNS:graph.microsoft.com");
    } finally {
      child.kill("SIGTERM");
    }
    await once(child, "exit");
  });
});
