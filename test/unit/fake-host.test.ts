// The address the fake listens on (`host`, `npm run fake-microsoft -- --host`): 127.0.0.1 unless
// told, any IPv4 address it can bind otherwise (the node bridge's 10.88.0.1, a kind network's
// gateway: docs/kind.md), and its serving certificate names that address, so a client that reaches
// it there (an operator in a Pod) accepts it. 127.0.0.2 stands for "another address": Linux answers
// on all of 127.0.0.0/8 through the loopback interface.
import { spawn } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { once } from "node:events";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { connect } from "node:tls";
import { afterAll, describe, expect, it } from "vitest";
import { createServerPki } from "../fakes/pki.ts";
import { startFakeIdentity, type FakeIdentity } from "../fakes/server.ts";

const main = join(import.meta.dirname, "../fakes/main.ts");
const other = "127.0.0.2";
const fakes: FakeIdentity[] = [];

afterAll(async () => {
  await Promise.all(fakes.map((fake) => fake.close()));
});

async function started(host?: string): Promise<FakeIdentity> {
  const fake = await startFakeIdentity(host === undefined ? {} : { host });
  fakes.push(fake);
  return fake;
}

/** The certificate the fake at `url` serves, over TLS that trusts only `caPem` and checks the name. */
async function servedCertificate(url: string, caPem: string): Promise<X509Certificate> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port), ca: caPem });
  try {
    await once(socket, "secureConnect");
    return new X509Certificate(socket.getPeerCertificate(true).raw);
  } finally {
    socket.destroy();
  }
}

/** `IP Address:1.2.3.4` entries of a certificate's subjectAltName. */
function ipNames(certificate: X509Certificate): string[] {
  return (certificate.subjectAltName ?? "")
    .split(", ")
    .filter((name) => name.startsWith("IP Address:"))
    .map((name) => name.slice("IP Address:".length));
}

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `npm run fake-microsoft -- <args>` until it prints its control URL or exits; if it listens, the
 * certificate it serves at the URL it printed (trusting only the CA it printed), then SIGTERM.
 */
async function fakeMicrosoft(args: readonly string[]): Promise<Run & { url: string; served?: X509Certificate }> {
  const child = spawn(process.execPath, [main, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = once(child, "exit") as Promise<[number | null]>;
  const listening = new Promise<void>((resolve) => {
    child.stdout.on("data", () => {
      if (stdout.includes("control:")) resolve();
    });
  });
  let url: string;
  let served: X509Certificate | undefined;
  try {
    await Promise.race([listening, exited]);
    url = /url:\s+(\S+)/.exec(stdout)?.[1] ?? "";
    const caPath = /CA:\s+(\S+)/.exec(stdout)?.[1] ?? "";
    if (url !== "") served = await servedCertificate(url, await readFile(caPath, "utf8"));
  } finally {
    if (child.exitCode === null) child.kill("SIGTERM");
  }
  const [code] = await exited;
  return { code, stdout, stderr, url, ...(served === undefined ? {} : { served }) };
}

describe("the fake's host", () => {
  it("is 127.0.0.1 unless told, named by its URL, its host and its certificate", async () => {
    const fake = await started();
    expect(fake.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(fake.host).toBe(new URL(fake.url).host);
    const certificate = await servedCertificate(fake.url, fake.caPem);
    expect(ipNames(certificate)).toContain("127.0.0.1");
    expect(ipNames(certificate)).not.toContain(other);
  });

  it("can be another IPv4 address, which the certificate its CA signed then names too", async () => {
    const fake = await started(other);
    expect(fake.url).toMatch(/^https:\/\/127\.0\.0\.2:\d+$/);
    // connect() checks the certificate against the CA and the address it connected to.
    const certificate = await servedCertificate(fake.url, fake.caPem);
    expect(certificate.verify(new X509Certificate(fake.caPem).publicKey)).toBe(true);
    expect(certificate.checkIP(other)).toBe(other);
    // What the server profile of OPENSSL_CONFIG names stays.
    expect(ipNames(certificate)).toEqual(["127.0.0.1", "10.88.0.1", other]);
    expect(certificate.subjectAltName).toContain("DNS:localhost");
  });

  it("keeps naming the node bridge's 10.88.0.1 once, for the in-cluster harness (ADR 14)", async () => {
    // Without the bridge there is nothing to listen on, so the certificate alone.
    const pki = await createServerPki({ ip: "10.88.0.1" });
    try {
      const certificate = new X509Certificate(pki.serverCertPem);
      expect(ipNames(certificate)).toEqual(["127.0.0.1", "10.88.0.1"]);
      expect(certificate.verify(new X509Certificate(pki.caPem).publicKey)).toBe(true);
    } finally {
      await pki.remove();
    }
  });

  it.each(["localhost", "::1", "0.0.0.0", "10.88.0.256", "172.18.0.1\n[ca]"])(
    "refuses %j, saying what it must be",
    async (host) => {
      await expect(startFakeIdentity({ host })).rejects.toThrow(/^host must be the IPv4 address clients reach/);
    },
  );
});

describe("npm run fake-microsoft -- --host", () => {
  it("listens on 127.0.0.1 without it", async () => {
    const run = await fakeMicrosoft([]);
    expect(run.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(run.code).toBe(0);
  });

  it("listens on the address given, prints its URL with it, and serves a certificate naming it", async () => {
    const run = await fakeMicrosoft(["--host", other, "--seed"]);
    expect(run.url).toMatch(/^https:\/\/127\.0\.0\.2:\d+$/);
    expect(run.stdout).toContain(`knownAuthorities: ["${new URL(run.url).host}"]`);
    expect(run.served?.checkIP(other)).toBe(other);
    expect(run.code).toBe(0);
  });

  it.each(["kind-gateway", "172.18.0"])("refuses --host %s with a message naming the flag", async (host) => {
    const run = await fakeMicrosoft(["--host", host]);
    expect(run.code).toBe(1);
    expect(run.url).toBe("");
    expect(run.stderr).toContain(`fake-microsoft: --host must be the IPv4 address clients reach the fake at`);
    expect(run.stderr).toContain(JSON.stringify(host));
  });
});
