// The sync benchmark's fake Microsoft: `test/fakes/main.ts --seed` run inside the benchmark's
// network namespace on port 443 of its address, its certificate naming Microsoft's hosts
// (`--dns-name`), and what the benchmark asks of it over HTTP: a delegated sign-in for the seeded
// work account (a device code approved through the control API), the generated tree
// (`/_fake/graph/trees`), the 1% changes (`/_fake/graph/trees/changes`), the drive's files and
// their SHA-256 (`/_fake/graph/items`, `/content`), and the Graph request log (`/_fake/graph/requests`).
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Agent, request } from "undici";
import { connectFakeControl, world, type FakeControlClient } from "../test/fakes/index.ts";
import { repoRoot } from "../test/harness/assets.ts";
import { FAKE_ADDRESS, MICROSOFT_HOSTS, type BenchNetwork } from "./sync-net.ts";
import type { Listing } from "./sync-parse.ts";

/** The seeded work account (a business drive: delta only at its root) and the seeded public client. */
export const USER = world.users.ada.userPrincipalName;
export const CLIENT_ID = world.apps.signIn.clientId;
const SCOPE = "User.Read Files.ReadWrite offline_access openid";

export interface SyncFake {
  /** `https://10.250.15.2:443` */
  readonly url: string;
  readonly caPath: string;
  readonly pid: number;
  readonly control: FakeControlClient;
  /** A request to the fake (a path from its root, JSON in and out); throws on 4xx and 5xx. */
  call<T>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<T>;
  stop(): Promise<void>;
}

/** Starts the fake inside `network` and reads its URL and CA from what it prints. */
export async function startSyncFake(network: BenchNetwork): Promise<SyncFake> {
  const names = MICROSOFT_HOSTS.flatMap((name) => ["--dns-name", name]);
  const fakeArgs = [join(repoRoot, "test/fakes/main.ts"), "--seed", "--host", FAKE_ADDRESS, "--port", "443", ...names];
  const [command, ...args] = network.inside([process.execPath, ...fakeArgs]);
  const child = spawn(command ?? "ip", args, { stdio: ["ignore", "pipe", "inherit"] });
  let printed = "";
  const fields = await new Promise<{ url: string; caPath: string }>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the fake Microsoft exited (code ${String(code)})`)));
    child.stdout.on("data", (chunk: Buffer) => {
      printed += chunk.toString("utf8");
      const url = /^url:\s+(\S+)$/m.exec(printed)?.[1];
      const caPath = /^CA:\s+(\S+)$/m.exec(printed)?.[1];
      if (url !== undefined && caPath !== undefined && printed.includes("seeded:")) resolve({ url, caPath });
    });
  });
  child.removeAllListeners("exit");
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.stdout.resume();
  const caPem = await readFile(fields.caPath, "utf8");
  const dispatcher = new Agent({ connect: { ca: caPem }, bodyTimeout: 600_000, headersTimeout: 600_000 });
  const call = async <T>(method: string, path: string, body?: unknown, headers = {}): Promise<T> => {
    const form = body instanceof URLSearchParams;
    const type = form ? "application/x-www-form-urlencoded" : "application/json";
    const response = await request(`${fields.url}${path}`, {
      method: method as "GET",
      dispatcher,
      headers: { ...headers, ...(body === undefined ? {} : { "content-type": type }) },
      ...(body === undefined ? {} : { body: form ? body.toString() : JSON.stringify(body) }),
    });
    const text = await response.body.text();
    if (response.statusCode >= 400) throw new Error(`${method} ${path}: HTTP ${String(response.statusCode)} ${text}`);
    return JSON.parse(text) as T;
  };
  const control = connectFakeControl({ url: fields.url, caPem });
  return {
    ...fields,
    pid: child.pid ?? -1,
    control,
    call,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        await exited;
      }
      await Promise.all([control.close(), dispatcher.close()]);
    },
  };
}

export interface Tokens {
  readonly accessToken: string;
  readonly refreshToken: string;
  /** Seconds the access token lives. */
  readonly expiresIn: number;
}

/** A delegated sign-in of USER with the public client: a device code, approved through the control API, redeemed. */
export async function delegatedTokens(fake: SyncFake): Promise<Tokens> {
  await fake.control.updateDelegatedSettings({ deviceCodePollIntervalSeconds: 0 });
  const form = (fields: Record<string, string>): URLSearchParams => new URLSearchParams(fields);
  const code = await fake.call<{ user_code: string; device_code: string }>(
    "POST",
    "/organizations/oauth2/v2.0/devicecode",
    form({ client_id: CLIENT_ID, scope: SCOPE }),
  );
  await fake.control.approveDeviceCode({ userCode: code.user_code, user: USER });
  const token = await fake.call<{ access_token: string; refresh_token: string; expires_in: number }>(
    "POST",
    "/organizations/oauth2/v2.0/token",
    form({ grant_type: "device_code", client_id: CLIENT_ID, device_code: code.device_code }),
  );
  return { accessToken: token.access_token, refreshToken: token.refresh_token, expiresIn: token.expires_in };
}

/** The id of USER's OneDrive, as Graph answers `/me/drive` with the user's token. */
export async function driveIdOf(fake: SyncFake, accessToken: string): Promise<string> {
  const drive = await fake.call<{ id: string; driveType: string }>("GET", "/v1.0/me/drive", undefined, {
    authorization: `Bearer ${accessToken}`,
  });
  if (drive.driveType !== "business") throw new Error(`${USER}'s drive is ${drive.driveType}, not business`);
  return drive.id;
}

/**
 * The host of the download URLs Graph hands out for files under `root` (`@microsoft.graph.downloadUrl`):
 * rclone follows them, so its hosts file must map that host too when it is a name.
 */
export async function downloadHostOf(fake: SyncFake, o: { accessToken: string; root: string }): Promise<string> {
  const page = await fake.call<{ value: { "@microsoft.graph.downloadUrl"?: string }[] }>(
    "GET",
    `/v1.0/me/drive/root:${encodeURI(o.root)}:/children?$top=200`,
    undefined,
    { authorization: `Bearer ${o.accessToken}` },
  );
  const url = page.value.find((item) => item["@microsoft.graph.downloadUrl"] !== undefined)?.[
    "@microsoft.graph.downloadUrl"
  ];
  if (url === undefined) throw new Error(`no file directly under ${o.root} to learn the download host from`);
  return new URL(url).hostname;
}

export interface TreeView {
  readonly folders: number;
  readonly files: number;
  readonly bytes: number;
  readonly largestFile: number;
}

/** The generated tree under `root` of USER's OneDrive. */
export function addTree(fake: SyncFake, o: { root: string; files: number; bytes: number }): Promise<TreeView> {
  return fake.call("POST", "/_fake/graph/trees", {
    user: USER,
    root: o.root,
    files: o.files,
    totalBytes: o.bytes,
    seed: "bench-sync",
  });
}

export interface TreeChanges {
  readonly changes: readonly { kind: string; path: string; newPath?: string }[];
  readonly modified: number;
  readonly added: number;
  readonly renamed: number;
  readonly moved: number;
  readonly deleted: number;
}

/** Changes `fraction` of the tree's files (modify, add, rename, move, delete in turn). */
export function changeTree(fake: SyncFake, root: string, fraction: number): Promise<TreeChanges> {
  return fake.call("POST", "/_fake/graph/trees/changes", { user: USER, root, fraction, seed: "bench-sync" });
}

interface ItemView {
  readonly name: string;
  readonly size: number;
  readonly file?: unknown;
  readonly parentReference: { readonly path?: string };
}

/** The files under `root` as the fake holds them: paths relative to `root` and sizes. */
export async function expectedListing(fake: SyncFake, root: string): Promise<Listing> {
  const items = await fake.call<ItemView[]>("GET", `/_fake/graph/items?user=${encodeURIComponent(USER)}`);
  const listing = new Map<string, number>();
  const prefix = `${root}/`;
  for (const item of items) {
    if (item.file === undefined) continue;
    const parent = decodeURIComponent(/root:(.*)$/.exec(item.parentReference.path ?? "")?.[1] ?? "");
    const path = `${parent}/${item.name}`;
    if (path.startsWith(prefix)) listing.set(path.slice(prefix.length), item.size);
  }
  return listing;
}

/** The SHA-256 (hex) of a file of USER's drive, as the fake computes it from its content. */
export async function expectedSha256(fake: SyncFake, path: string): Promise<string> {
  const query = `user=${encodeURIComponent(USER)}&path=${encodeURIComponent(path)}`;
  return (await fake.call<{ sha256: string }>("GET", `/_fake/graph/content?${query}`)).sha256;
}

export interface GraphRequestRecord {
  readonly method: string;
  readonly path: string;
  readonly status: number;
}

/** Every Graph request the fake counted since the last reset (API and download host), and the last 500. */
export async function graphRequests(
  fake: SyncFake,
  pathPrefix?: string,
): Promise<{ count: number; recent: GraphRequestRecord[] }> {
  const query = pathPrefix === undefined ? "" : `?pathPrefix=${encodeURIComponent(pathPrefix)}`;
  return fake.call("GET", `/_fake/graph/requests${query}`);
}

export async function resetGraphRequests(fake: SyncFake): Promise<void> {
  await fake.call("DELETE", "/_fake/graph/requests");
}
