// The user documentation stays true: every reason, flag and metric the code has is documented, every
// MicrosoftCredential and AccessList it shows is valid, and its links lead somewhere. (CEL rules are
// enforced only by the API server: test/integration/docs.test.ts dry-runs the same YAML there.)
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { usage } from "../../src/config.ts";
import {
  ACCESS_LIST_REASONS,
  accessListSpecSchema,
  API_VERSION,
  BROKEN_REASONS,
  microsoftCredentialSpecSchema,
} from "../../src/crds/index.ts";
import type { Registry } from "prom-client";
import { gatewayUsage } from "../../src/gateway/config.ts";
import { GatewayMetrics } from "../../src/gateway/metrics.ts";
import { OperatorMetrics } from "../../src/metrics.ts";
import { repoRoot } from "../harness/assets.ts";
import { docFiles, docObjects, docYamlBlocks } from "../harness/doc-blocks.ts";

const read = (path: string): Promise<string> => readFile(join(repoRoot, path), "utf8");
const docs = await docFiles();
const doc = (name: string): string => docs.find((d) => d.name === name)?.text ?? "";
const allDocs = `${docs.map((d) => d.text).join("\n")}\n${await read("README.md")}`;
const blocks = await docYamlBlocks();
const ours = await docObjects(["MicrosoftCredential", "AccessList"]);
const prometheusRules = await docObjects(["PrometheusRule"]);
const metrics = new OperatorMetrics({ credentials: () => [], queueDepths: () => [] });
const namesOf = async (registry: Registry): Promise<{ name: string; type: string }[]> =>
  (await registry.getMetricsAsJSON()).map((m) => ({ name: m.name, type: String(m.type) }));
const operatorMetrics = (await metrics.served()).map((m) => ({ name: m.name, type: String(m.type) }));
const gatewayMetrics = await namesOf(new GatewayMetrics().registry);
const registered = [...operatorMetrics, ...gatewayMetrics];

describe("docs/broken-reasons.md", () => {
  it.each(BROKEN_REASONS)("tells what to do about %s", (reason) => {
    expect(doc("broken-reasons.md")).toContain(`| \`${reason}\` |`);
  });
});

describe("the YAML in docs/", () => {
  it.each(blocks.map((b) => [b.where, b] as const))("%s parses", (_where, block) => {
    expect(block.errors).toEqual([]);
    expect(block.objects.length).toBeGreaterThan(0);
  });

  it("shows MicrosoftCredentials and AccessLists", () => {
    expect(ours.map((o) => o.object["kind"])).toEqual(expect.arrayContaining(["MicrosoftCredential", "AccessList"]));
  });

  it.each(ours.map((o) => [o.where, o.object] as const))(
    "%s matches the API (the zod spec schema)",
    (_where, object) => {
      expect(object["apiVersion"]).toBe(API_VERSION);
      const schema = object["kind"] === "AccessList" ? accessListSpecSchema : microsoftCredentialSpecSchema;
      const parsed = schema.safeParse(object["spec"]);
      expect(parsed.error?.issues ?? []).toEqual([]);
    },
  );
});

describe("every operator option is documented", () => {
  const options = [...usage().matchAll(/^ {2}(--[a-z-]+) {2}(CCO_[A-Z_]+)/gm)].map(
    (m) => [m[1] ?? "", m[2] ?? ""] as const,
  );

  it("reads the options from --help", () => {
    expect(options.length).toBeGreaterThan(20);
  });

  it.each(options)("%s (%s) appears in docs/ or the README", (flag, env) => {
    expect(allDocs).toContain(`\`${flag}\``);
    expect(allDocs).toContain(env);
  });
});

describe("the gateway's options and metrics", () => {
  const options = [...gatewayUsage().matchAll(/^ {2}(--[a-z-]+) {2}(CCO_[A-Z_]+)/gm)].map(
    (m) => [m[1] ?? "", m[2] ?? ""] as const,
  );

  it("reads the options from gateway --help", () => {
    expect(options.length).toBeGreaterThan(10);
  });

  it.each(options)("%s (%s) appears in docs/gateway.md", (flag, env) => {
    expect(doc("gateway.md")).toContain(`\`${flag}\``);
    expect(doc("gateway.md")).toContain(env);
  });

  const own = gatewayMetrics.filter((m) => !/^cloudcredentials_gateway_(process|nodejs)_/.test(m.name));
  it.each(own.map((m) => m.name))("documents %s in docs/gateway.md", (name) => {
    expect(doc("gateway.md")).toContain(`\`${name}\``);
  });
});

describe("docs/metrics-and-alerts.md", () => {
  const served = operatorMetrics.filter((m) => !/^cloudcredentials_(process|nodejs)_/.test(m.name));
  const known = new Set(
    registered.flatMap((m) =>
      m.type === "histogram" ? ["_bucket", "_sum", "_count", ""].map((s) => m.name + s) : [m.name],
    ),
  );

  it.each(served.map((m) => m.name))("documents %s", (name) => {
    expect(doc("metrics-and-alerts.md")).toContain(`\`${name}\``);
  });

  it("names only metrics the operator serves, anywhere in docs/", () => {
    const mentioned = new Set([...allDocs.matchAll(/\bcloudcredentials_[a-z0-9_]+/g)].map((m) => m[0]));
    const unknown = [...mentioned].filter((n) =>
      n.endsWith("_") ? !registered.some((m) => m.name.startsWith(n)) : !known.has(n),
    );
    expect(unknown).toEqual([]);
  });

  it("shows the alerts the chart's PrometheusRule has", async () => {
    const rules = prometheusRules.flatMap((o) =>
      (o.object["spec"] as { groups: { rules: { alert: string }[] }[] }).groups.flatMap((g) =>
        g.rules.map((r) => r.alert),
      ),
    );
    const chart = await read("charts/cloud-credentials-operator/templates/prometheusrule.yaml");
    expect(rules).toEqual([...chart.matchAll(/- alert: (\w+)/g)].map((m) => m[1]));
  });
});

describe("docs/access-lists.md", () => {
  it("gives every Ready reason of an AccessList", () => {
    for (const reason of ACCESS_LIST_REASONS) expect(doc("access-lists.md")).toContain(`| \`${reason}\` |`);
  });

  it("gives every reason an item can have", async () => {
    const source = await read("src/controller/access-list/resolve.ts");
    const reasons = new Set([...source.matchAll(/unresolved\([^,]+, "(\w+)"/g)].map((m) => m[1]));
    expect(reasons.size).toBeGreaterThan(3);
    for (const reason of reasons) expect(doc("access-lists.md")).toContain(`| \`${reason ?? ""}\` |`);
  });
});

describe("Helm values named in docs/", () => {
  it("exist in the chart's values.yaml", async () => {
    const values = parse(await read("charts/cloud-credentials-operator/values.yaml")) as Record<string, unknown>;
    // `a.b.c` whose first part is a top-level value (spec.x, status.x and the like are not).
    const named = new Set(
      [...allDocs.matchAll(/`([a-z][A-Za-z]*(?:\.[A-Za-z]+)+)(?:=[^`]*)?`/g)]
        .map((m) => m[1] ?? "")
        .filter((path) => (path.split(".")[0] ?? "") in values),
    );
    expect(named.size).toBeGreaterThan(10);
    const missing = [...named].filter(
      (path) =>
        path
          .split(".")
          .reduce<unknown>(
            (node, key) =>
              node !== null && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined,
            values,
          ) === undefined,
    );
    expect(missing).toEqual([]);
  });
});

describe("links", () => {
  const files = [...docs.map((d) => ({ path: `docs/${d.name}`, text: d.text })), { path: "README.md", text: "" }];

  it.each(files.map((f) => f.path))("in %s lead to files that exist", async (path) => {
    const text = await read(path);
    const targets = [...text.matchAll(/\]\(([^)\s]+)\)/g)]
      .map((m) => m[1] ?? "")
      .filter((t) => !/^(https?:|mailto:|#)/.test(t));
    const missing = targets.filter((t) => !existsSync(join(repoRoot, dirname(path), t.split("#")[0] ?? "")));
    expect(missing).toEqual([]);
  });
});
