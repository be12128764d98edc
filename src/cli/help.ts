// The --help texts of kubectl-mscred and of each command.
import type { CommandName } from "./args.ts";

const CLUSTER_FLAGS = `Cluster flags (as kubectl's; put them after the command, kubectl passes them on):
      --kubeconfig PATH   the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)
      --context NAME      the kubeconfig context to use (default: its current context)
  -n, --namespace NS      the namespace (default: the context's namespace, else "default")
  -h, --help              this help`;

export const EXIT_CODES = `Exit codes:
  0  done (login: the credential is Ready)
  1  it could not be done: the cluster refused or could not be reached, the credential does not
     exist, or reauthenticate was not confirmed
  2  the command line is wrong (unknown command or flag, missing NAME)
  3  login: the credential is Broken, or the operator refused the browser's answer; the message
     says who must act and what to do
  4  login: timed out before the credential was Ready or Broken`;

const PLUGIN = `kubectl mscred: see and repair MicrosoftCredentials (cloudcredentials.io) from kubectl, and
see the FolderSyncs that read as them.

Usage:
  kubectl mscred COMMAND [NAME] [flags]

Commands:
  status            every credential, Broken first, with what to do about each Broken one
  broken            only the Broken credentials
  syncs             every FolderSync: Ready, syncing, last and next sync, the last pass's files
                    and bytes, and the health of the credential it reads as
  login NAME        sign in: in a browser it opens, or with the sign-in link and code; waits
                    until Ready or Broken
  authenticate NAME start a new sign-in by the account the credential is bound to
  reauthenticate NAME
                    start a sign-in that may bind another account (asks first: what uses the
                    credential may break)

Examples:
  kubectl mscred broken -A
  kubectl mscred syncs -n finance
  kubectl mscred login photos -n team-a
  kubectl mscred reauthenticate shared -n finance --yes

${CLUSTER_FLAGS}

${EXIT_CODES}

Run kubectl mscred COMMAND --help for a command's flags.`;

const COMMAND_HELP: Readonly<Record<CommandName, string>> = {
  status: `kubectl mscred status [-n NS | -A]

Lists the MicrosoftCredentials, Broken ones first: namespace, name, display name, tenant type,
account, Ready, reason, when the access token expires and when the refresh token would expire if
unused (reauthenticate by). For each Broken credential it prints the reason and what to do; for a
pending sign-in, the link and code.

Flags:
  -A, --all-namespaces    every namespace`,
  broken: `kubectl mscred broken [-n NS | -A]

Lists only the Broken credentials (label cloudcredentials.io/broken=true), each with its reason and
what to do. Prints "No Broken credentials" when there are none.

Flags:
  -A, --all-namespaces    every namespace`,
  syncs: `kubectl mscred syncs [-n NS | -A]

Lists the FolderSyncs, those that are Broken or whose credential is Broken first, then those not
Ready: namespace, name, Ready and its reason, SYNCING (True while a pass runs, with the bytes it
downloaded so far), LAST SYNC (when a pass last completed), NEXT SYNC (when the next one starts, or
"suspended"), LAST PASS (the last pass that ended: +added ~changed -deleted files, >moved when
any, and the bytes downloaded; "Failed REASON:" before them when it failed), the credential, and
CREDENTIAL HEALTH: Ready, Broken: REASON, NotReady: REASON (a sign-in waits, a refresh fails), or
NotFound. After the table: what to do about each Broken FolderSync, each one whose credential is
not Ready, and each one Microsoft asked to wait. Prints "No FolderSyncs" when there are none. When
you may list FolderSyncs but not MicrosoftCredentials, the credential's health is shown as ?.

Flags:
  -A, --all-namespaces    every namespace`,
  authenticate: `kubectl mscred authenticate NAME [-n NS]

Starts a device-code sign-in that must be completed by the account the credential is bound to
(spec.account, else status.account): sets the annotation cloudcredentials.io/authenticate to the
current time. Then run kubectl mscred login NAME to see the code and wait.`,
  reauthenticate: `kubectl mscred reauthenticate NAME [-n NS] [--yes]

Starts a sign-in that may bind another account (still limited by spec.account when set): sets the
annotation cloudcredentials.io/reauthenticate. First lists what may break (the AccessLists that
reference the credential, and its teams) and asks for confirmation.

Flags:
  -y, --yes               do not ask (needed when stdin is not a terminal)`,
  login: `kubectl mscred login NAME [-n NS] [--timeout 15m] [--device-code] [--no-browser]

Signs a Personal or WorkOrSchool credential in. Shows the pending sign-in if there is one;
otherwise, unless the credential is already Ready, starts one (as authenticate does).

When the sign-in offers a browser (spec.signInMethod Automatic or Browser), login listens on
localhost on a free port and opens a browser at Microsoft's sign-in page, with the redirect set to
that port: $BROWSER if set (a command: the address is its last argument, or replaces %s in it),
else xdg-open, open (macOS) or cmd /c start (Windows). When the browser comes back with the
sign-in's state, login hands the address to the operator (annotation
cloudcredentials.io/authorization-response) and waits for it. It prints the device code too when
one is offered. Without a browser sign-in, or with --device-code, it prints the sign-in link and
code.

Then it waits until the credential is Ready (prints the account) or Broken (prints the reason and
what to do, exit code 3). When the operator refuses the browser's answer it prints why (exit code 3).

A browser on another computer cannot come back to this one: sign in there, copy the address it
ends on (http://localhost...?code=...&state=...) and hand it in yourself:
  kubectl annotate mscred NAME --overwrite cloudcredentials.io/authorization-response='ADDRESS'

Flags:
      --timeout DURATION  how long to wait, like 90s, 15m, 1h (default 15m, at most 24h; exit code 4 after)
      --device-code       sign in with the device code, even when a browser sign-in is offered
      --no-browser        print the browser sign-in's address instead of opening a browser (login
                          still listens on localhost for the browser to come back)`,
};

/** The plugin's help, or a command's. */
export function helpText(command?: CommandName): string {
  if (command === undefined) return PLUGIN;
  return `${COMMAND_HELP[command]}\n\n${CLUSTER_FLAGS}\n\n${EXIT_CODES}`;
}
