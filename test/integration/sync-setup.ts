// What the sync engine's tests share: the fake Microsoft (identity and Graph) with a work account
// (a business OneDrive: root delta) and a personal one (folder delta), delegated tokens from a
// device-code sign-in written to token files, and the `sync` command run AS A PROCESS on the
// project's Node 24 (`node src/main.ts sync …`), with its exit code, report and stderr.
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, request } from "undici";
import { consumersTenantId, type FakeIdentity } from "../fakes/index.ts";
import { addWorkUser, graph, setUp, signIn, type Setup } from "../unit/fake-graph-sign-in.ts";
import { parseSyncReport, type SyncReport } from "../../src/sync/report.ts";

const MAIN = join(import.meta.dirname, "../../src/main.ts");
const FILES = [`${graph}/User.Read`, `${graph}/Files.ReadWrite`];
/** A work account may also read SharePoint libraries. */
const WORK = [...FILES, `${graph}/Sites.ReadWrite.All`];

export interface Account {
  readonly upn: string;
  readonly token: string;
  readonly tokenFile: string;
  readonly driveId: string;
}

export interface SyncWorld {
  readonly setup: Setup;
  readonly fake: FakeIdentity;
  readonly dir: string;
  readonly caFile: string;
  readonly work: Account;
  readonly personal: Account;
  readonly agent: Agent;
  close(): Promise<void>;
}

async function account(world: { setup: Setup; dir: string }, upn: string, authority: string): Promise<Account> {
  const scopes = authority === "consumers" ? FILES : WORK;
  const { graphToken } = await signIn(world.setup.fake, upn, { authority, scopes });
  const tokenFile = join(world.dir, `${upn}.token`);
  await writeFile(tokenFile, graphToken);
  return { upn, token: graphToken, tokenFile, driveId: world.setup.fake.drive({ user: upn }).id };
}

export async function startSyncWorld(): Promise<SyncWorld> {
  const setup = await setUp();
  const dir = await mkdtemp(join(tmpdir(), "ccop-sync-"));
  const caFile = join(dir, "ca.pem");
  await writeFile(caFile, setup.fake.caPem);
  const workUpn = addWorkUser(setup);
  const personalUpn = `p${createHash("sha256").update(dir).digest("hex").slice(0, 8)}@outlook.com`;
  setup.fake.addUser({ tenantId: consumersTenantId, userPrincipalName: personalUpn, kind: "personal" });
  const world = { setup, dir };
  const work = await account(world, workUpn, "organizations");
  const personal = await account(world, personalUpn, "consumers");
  const agent = new Agent({ connect: { ca: setup.fake.caPem } });
  return {
    setup,
    fake: setup.fake,
    dir,
    caFile,
    work,
    personal,
    agent,
    close: async () => {
      await agent.close();
      await setup.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface SyncRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly report: SyncReport | undefined;
}

/** The arguments every run needs: the fake's Graph, its CA, the token file and a report file. */
export function baseArgs(world: SyncWorld, who: Account, target: string): string[] {
  return [
    "--target",
    target,
    "--graph-base-url",
    world.fake.graphBaseUrl,
    "--ca-bundle",
    world.caFile,
    "--token-file",
    who.tokenFile,
    "--report-file",
    `${target}.report.json`,
  ];
}

/** Starts `node src/main.ts sync <args>` (the running Node, 24). */
export function startSync(args: readonly string[]): { child: ChildProcess; done: Promise<SyncRun> } {
  const child = spawn(process.execPath, [MAIN, "sync", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const reportFile = args[args.lastIndexOf("--report-file") + 1];
  const done = new Promise<SyncRun>((resolve) => {
    child.once("close", (code, signal) => {
      const read =
        reportFile === undefined || !args.includes("--report-file")
          ? Promise.resolve(undefined)
          : readFile(reportFile, "utf8").catch(() => undefined);
      void read.then((text) => resolve({ code, signal, stdout, stderr, report: parseSyncReport(text) }));
    });
  });
  return { child, done };
}

export const runSync = (args: readonly string[]): Promise<SyncRun> => startSync(args).done;

/** SHA-256 (hex) of a file on the volume. */
export async function sha256Of(path: string): Promise<string> {
  return createHash("sha256")
    .update(await readFile(path))
    .digest("hex");
}

/** A Graph call as the account (the changes a person makes in OneDrive: rename, move, new content). */
export async function graphCall(
  world: SyncWorld,
  who: Account,
  call: { method: "PATCH" | "PUT" | "DELETE"; path: string; body?: unknown },
): Promise<unknown> {
  const { method, path, body } = call;
  const json = body !== undefined && !(body instanceof Buffer);
  const response = await request(`${world.fake.graphBaseUrl}${path}`, {
    method,
    dispatcher: world.agent,
    headers: {
      authorization: `Bearer ${who.token}`,
      "content-type": json ? "application/json" : "application/octet-stream",
    },
    ...(body === undefined ? {} : { body: json ? JSON.stringify(body) : body }),
  });
  const text = await response.body.text();
  if (response.statusCode >= 300) throw new Error(`${method} ${path}: ${String(response.statusCode)} ${text}`);
  return text === "" ? undefined : (JSON.parse(text) as unknown);
}

/** The item id of a path in the account's drive. */
export function idOf(world: SyncWorld, who: Account, path: string): string {
  const item = world.fake.driveItem({ user: who.upn, path });
  if (item === undefined) throw new Error(`no item at ${path}`);
  return item.id;
}

/** Renames and/or moves an item as a person would in OneDrive (PATCH name and parentReference). */
export async function moveItem(
  world: SyncWorld,
  who: Account,
  path: string,
  to: { name?: string; parent?: string },
): Promise<void> {
  const body = {
    ...(to.name === undefined ? {} : { name: to.name }),
    ...(to.parent === undefined ? {} : { parentReference: { id: idOf(world, who, to.parent) } }),
  };
  await graphCall(world, who, {
    method: "PATCH",
    path: `/drives/${who.driveId}/items/${idOf(world, who, path)}`,
    body,
  });
}

/** Replaces a file's content (PUT …/content: same id, new hash). */
export async function writeContent(world: SyncWorld, who: Account, path: string, content: string): Promise<void> {
  const item = idOf(world, who, path);
  const body = Buffer.from(content);
  await graphCall(world, who, { method: "PUT", path: `/drives/${who.driveId}/items/${item}/content`, body });
}

/** The SHA-256 of a file's content in the fake. */
export function remoteSha256(world: SyncWorld, who: Account, path: string): string {
  const content = world.fake.driveItemContent({ user: who.upn, path });
  if (content === undefined) throw new Error(`no content at ${path}`);
  return content.sha256;
}
