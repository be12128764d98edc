// The suite-wide check that no token, refresh token or device code reached a log line, an Event,
// a status, a label or an annotation: run once at the end of the integration run, over every
// operator's log and everything left in the cluster.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { kubectl } from "./kubectl.ts";

/** Where every operator of the run writes its log lines (in-process and child processes). */
export const operatorLogDir = (logDir: string): string => join(logDir, "operators");

/**
 * Shapes of what the identity platform (and its fake) hands out. Secrets are long: no false alarms
 * on ids. Access tokens of work accounts are JWTs, those of Microsoft accounts opaque (`EwA…`,
 * `EwB…`, `EwC…`, base64); refresh tokens are `0.A…`/`1.A…` (work) or `M.C…`/`M.R…` (Microsoft
 * accounts, with `.`, `!`, `*` and `$` among the characters).
 */
const PATTERNS: readonly { readonly what: string; readonly pattern: RegExp }[] = [
  { what: "a JWT (access or id token)", pattern: /eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}/ },
  { what: "an opaque access token", pattern: /\bEw[ABC][A-Za-z0-9+/_-]{100,}/ },
  { what: "a refresh token", pattern: /\b(?:[01]\.A|M\.[CR])[A-Za-z0-9_.!*$+/-]{100,}/ },
  { what: "a device code", pattern: /DAQABAAEAAAD[A-Za-z0-9_-]{60,}/ },
  {
    what: "a token field with a value",
    pattern: /"(?:refresh_token|access_token|device_code|deviceCode|refreshToken|accessToken)"\s*:\s*"[^"[][^"]{7,}"/,
  },
];

export interface ScannedText {
  /** Where the text came from, e.g. `operator log delegated.log:12`. */
  readonly where: string;
  readonly text: string;
}

/** What was found where; the secret itself is never repeated, only its first characters. */
export function findSecrets(texts: readonly ScannedText[], knownSecrets: readonly string[]): string[] {
  const findings: string[] = [];
  for (const { where, text } of texts) {
    for (const { what, pattern } of PATTERNS) if (pattern.test(text)) findings.push(`${where}: ${what}`);
    for (const secret of knownSecrets)
      if (text.includes(secret))
        findings.push(`${where}: a value held in a token or state Secret (${secret.slice(0, 6)}…)`);
  }
  return findings;
}

async function logTexts(dir: string): Promise<ScannedText[]> {
  const files = await readdir(dir).catch(() => [] as string[]);
  const texts: ScannedText[] = [];
  for (const file of files) {
    const lines = (await readFile(join(dir, file), "utf8")).split("\n");
    lines.forEach((text, i) => texts.push({ where: `operator log ${file}:${String(i + 1)}`, text }));
  }
  return texts;
}

async function getAll(kubeconfig: string, resource: string): Promise<{ items?: Record<string, unknown>[] }> {
  const result = await kubectl(kubeconfig, ["get", resource, "-A", "-o", "json"]);
  if (result.code !== 0) throw new Error(`kubectl get ${resource} -A failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as { items?: Record<string, unknown>[] };
}

type Item = Record<string, unknown> & {
  metadata?: { namespace?: string; name?: string; labels?: unknown; annotations?: unknown };
};

function visibleParts(resource: string, item: Item): ScannedText {
  const { namespace = "", name = "", labels, annotations } = item.metadata ?? {};
  return {
    where: `${resource} ${namespace}/${name}`,
    text: JSON.stringify({ labels, annotations, status: item["status"], data: item["data"], rules: item["rules"] }),
  };
}

/** Status, labels and annotations of our objects; every Event. */
async function clusterTexts(kubeconfig: string): Promise<ScannedText[]> {
  const texts: ScannedText[] = [];
  for (const resource of ["microsoftcredentials", "accesslists", "roles", "rolebindings", "configmaps"]) {
    for (const item of ((await getAll(kubeconfig, resource)).items ?? []) as Item[])
      texts.push(visibleParts(resource, item));
  }
  for (const event of ((await getAll(kubeconfig, "events")).items ?? []) as Item[]) {
    texts.push({
      where: `event ${event.metadata?.namespace ?? ""}/${event.metadata?.name ?? ""}`,
      text: JSON.stringify(event),
    });
  }
  return texts;
}

const decoded = (value: string): string => Buffer.from(value, "base64").toString("utf8");

function parsed(text: string | undefined): Record<string, unknown> {
  try {
    const value = JSON.parse(text ?? "") as unknown;
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** What a state Secret holds: the refresh and access tokens of msal's cache, a sign-in's device code, refresh token and PKCE verifier (ADR 13). */
export function stateSecrets(data: Readonly<Record<string, string>>): string[] {
  const cache = parsed(data["msal-cache"] === undefined ? undefined : decoded(data["msal-cache"]));
  const entries = (section: string): unknown[] => {
    const value = cache[section];
    return typeof value === "object" && value !== null ? Object.values(value) : [];
  };
  const fromCache = [...entries("RefreshToken"), ...entries("AccessToken")].map(
    (entry) => (entry as { secret?: unknown } | null)?.secret,
  );
  const signIn = parsed(data["sign-in"] === undefined ? undefined : decoded(data["sign-in"]));
  const browser = signIn["browser"];
  const verifier =
    typeof browser === "object" && browser !== null ? (browser as Record<string, unknown>)["codeVerifier"] : undefined;
  return [...fromCache, signIn["deviceCode"], signIn["refreshToken"], verifier].filter(
    (v): v is string => typeof v === "string",
  );
}

/** Token values the operator holds right now (token and state Secrets), to look for them verbatim. */
async function heldTokens(kubeconfig: string): Promise<string[]> {
  const secrets = (await getAll(kubeconfig, "secrets")).items ?? [];
  const data = (s: Record<string, unknown>): Record<string, string> => (s["data"] ?? {}) as Record<string, string>;
  const accessTokens = secrets
    .filter((s) => s["type"] === "cloudcredentials.io/access-token")
    .flatMap((s) => Object.entries(data(s)).filter(([key]) => key.endsWith("access-token")))
    .map(([, value]) => decoded(value));
  const stateTokens = secrets
    .filter((s) => s["type"] === "cloudcredentials.io/state")
    .flatMap((s) => stateSecrets(data(s)));
  return [...accessTokens, ...stateTokens].filter((token) => token.length > 20);
}

/** Scans the whole run; throws with every finding (never the secret) when something leaked. */
export async function assertNoSecretsLeaked(kubeconfig: string, logDir: string): Promise<void> {
  const texts = [...(await logTexts(operatorLogDir(logDir))), ...(await clusterTexts(kubeconfig))];
  const findings = findSecrets(texts, await heldTokens(kubeconfig));
  if (findings.length > 0)
    throw new Error(
      `Secrets leaked during the integration run (${String(findings.length)}):\n${findings.slice(0, 50).join("\n")}`,
    );
}
