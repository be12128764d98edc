// status, broken, syncs, authenticate and reauthenticate: one read or one annotation each.
import { ANNOTATIONS } from "../crds/index.ts";
import { statusCodeOf } from "../kube/errors.ts";
import type { Cluster, CredentialObject } from "./cluster.ts";
import { newActionValue } from "./cluster.ts";
import { renderCredentials } from "./format.ts";
import { renderSyncs, type CredentialIndex } from "./sync-format.ts";
import { EXIT, type ExitCode, type Io } from "./io.ts";

export interface ListRequest {
  /** undefined: every namespace. */
  readonly namespace: string | undefined;
  readonly brokenOnly: boolean;
}

const where = (namespace: string | undefined): string =>
  namespace === undefined ? "in any namespace" : `in namespace ${namespace}`;

export async function list(cluster: Cluster, io: Io, request: ListRequest): Promise<ExitCode> {
  const credentials = await cluster.credentials(request.namespace, request.brokenOnly);
  if (credentials.length === 0) {
    io.out(
      request.brokenOnly
        ? `No Broken credentials ${where(request.namespace)}.`
        : `No MicrosoftCredentials ${where(request.namespace)}.`,
    );
    return EXIT.ok;
  }
  for (const line of renderCredentials(credentials, io.now().getTime())) io.out(line);
  return EXIT.ok;
}

/**
 * The FolderSyncs with their state and their credentials' health. Someone who may list FolderSyncs
 * but not credentials still gets the table, with the health shown as unknown.
 */
export async function syncs(cluster: Cluster, io: Io, namespace: string | undefined): Promise<ExitCode> {
  const [folderSyncs, credentials] = await Promise.all([
    cluster.folderSyncs(namespace),
    cluster.credentials(namespace, false).then(
      (list): CredentialIndex => new Map(list.map((c) => [`${c.metadata.namespace}/${c.metadata.name}`, c])),
      (error: unknown) => {
        if (statusCodeOf(error) === 403) return undefined;
        throw error;
      },
    ),
  ]);
  if (folderSyncs.length === 0) {
    io.out(`No FolderSyncs ${where(namespace)}.`);
    return EXIT.ok;
  }
  for (const line of renderSyncs(folderSyncs, credentials, io.now().getTime())) io.out(line);
  return EXIT.ok;
}

/** A service principal signs in with its app credential: nobody signs in, there is no code. */
export function refuseServicePrincipal(credential: CredentialObject, io: Io, command: string): boolean {
  if (credential.spec?.tenantType !== "ServicePrincipal") return false;
  const { namespace, name } = credential.metadata;
  io.err(
    `error: ${namespace}/${name} is a ServicePrincipal credential: it signs in with its app credential, so there is no sign-in to ${command}. ${command} is for Personal and WorkOrSchool credentials; see kubectl mscred status -n ${namespace} for what it needs.`,
  );
  return true;
}

export async function authenticate(cluster: Cluster, io: Io, namespace: string, name: string): Promise<ExitCode> {
  const credential = await cluster.credential(namespace, name);
  if (refuseServicePrincipal(credential, io, "authenticate")) return EXIT.failed;
  const value = newActionValue(credential, "authenticate", io.now());
  await cluster.annotate(credential, "authenticate", value);
  io.out(`Requested a sign-in for ${namespace}/${name} (${ANNOTATIONS.authenticate}=${value}).`);
  io.out(`See the code and wait for it: kubectl mscred login ${name} -n ${namespace}`);
  return EXIT.ok;
}

/** What may break when the credential moves to another account, as lines. */
function whatMayBreak(credential: CredentialObject, accessLists: readonly string[]): string[] {
  const { namespace, name } = credential.metadata;
  const bound = credential.status?.account?.username ?? "the current one";
  const teams = credential.spec?.teams ?? [];
  return [
    `Reauthenticating ${namespace}/${name} may bind another account than ${bound}${credential.spec?.account ? ` (spec.account still limits it to ${credential.spec.account})` : ""}. What uses it may break:`,
    `  AccessLists that reference it: ${accessLists.join(", ") || "none"}`,
    `  Teams that use it: ${teams.join(", ") || "none"}`,
  ];
}

export interface ReauthenticateRequest {
  readonly namespace: string;
  readonly name: string;
  /** --yes: do not ask. */
  readonly yes: boolean;
}

export async function reauthenticate(cluster: Cluster, io: Io, request: ReauthenticateRequest): Promise<ExitCode> {
  const { namespace, name } = request;
  const credential = await cluster.credential(namespace, name);
  if (refuseServicePrincipal(credential, io, "reauthenticate")) return EXIT.failed;
  for (const line of whatMayBreak(credential, await cluster.accessListsOf(namespace, name))) io.out(line);
  if (!request.yes) {
    if (!io.interactive) {
      io.err(
        `error: not reauthenticating ${namespace}/${name}: stdin is not a terminal, so nobody can confirm. Nothing was changed. Pass --yes to confirm: kubectl mscred reauthenticate ${name} -n ${namespace} --yes`,
      );
      return EXIT.failed;
    }
    if (!(await io.confirm(`Reauthenticate ${namespace}/${name}?`))) {
      io.err("Not confirmed; nothing was changed.");
      return EXIT.failed;
    }
  }
  const value = newActionValue(credential, "reauthenticate", io.now());
  await cluster.annotate(credential, "reauthenticate", value);
  io.out(
    `Requested a sign-in that may bind another account for ${namespace}/${name} (${ANNOTATIONS.reauthenticate}=${value}).`,
  );
  io.out(`See the code and wait for it: kubectl mscred login ${name} -n ${namespace}`);
  return EXIT.ok;
}
