// /metrics as a scraper reads it: one series per credential and gauge, from the cache at the moment
// of the scrape, streamed a chunk at a time ahead of the registry's own metrics.
import { describe, expect, it } from "vitest";
import { startHttpServer } from "../../src/http/server.ts";
import type { RawCredential } from "../../src/controller/microsoft-credential/index.ts";
import { OperatorMetrics } from "../../src/metrics.ts";

const credential = (i: number, ready: boolean): RawCredential => ({
  apiVersion: "cloudcredentials.io/v1alpha1",
  kind: "MicrosoftCredential",
  metadata: { namespace: "team-a", name: `cred-${String(i)}` },
  spec: { tenantType: "ServicePrincipal" },
  status: {
    accessTokenExpiresAt: "2026-12-03T12:00:00Z",
    conditions: [
      {
        type: "Ready",
        status: ready ? "True" : "False",
        reason: ready ? "TokenIssued" : 'Odd "reason" \\ here',
        message: "",
        lastTransitionTime: "2026-12-03T11:00:00Z",
      },
    ],
  },
});

describe("the operator's /metrics", () => {
  it("has one series per credential for each gauge, label values escaped as the text format asks", async () => {
    const metrics = new OperatorMetrics({
      credentials: () => [credential(1, true), credential(2, false)],
      queueDepths: () => [],
    });
    const text = [...metrics.credentialSeries()].join("") + (await metrics.registry.metrics());
    expect(text).toContain("# TYPE cloudcredentials_credential_ready gauge\n");
    expect(text).toContain(
      'cloudcredentials_credential_ready{namespace="team-a",name="cred-1",tenant_type="ServicePrincipal",reason="TokenIssued"} 1\n',
    );
    expect(text).toContain(
      'cloudcredentials_credential_ready{namespace="team-a",name="cred-2",tenant_type="ServicePrincipal",reason="Odd \\"reason\\" \\\\ here"} 0\n',
    );
    expect(text).toContain(
      'cloudcredentials_access_token_expiry_timestamp_seconds{namespace="team-a",name="cred-1",tenant_type="ServicePrincipal"} 1796299200\n',
    );
    // No reauthenticate-by time in status: no series, only the gauge's header.
    expect(text).not.toMatch(/cloudcredentials_reauthenticate_by_timestamp_seconds\{/);
    expect(text).toContain("# TYPE cloudcredentials_reauthenticate_by_timestamp_seconds gauge\n");
  });

  it("serves every credential's series once, over several chunks, then the registry's metrics", async () => {
    let cache = Array.from({ length: 1_234 }, (_, i) => credential(i, i % 3 !== 0));
    const metrics = new OperatorMetrics({ credentials: () => cache, queueDepths: () => [["microsoftcredential", 7]] });
    const server = await startHttpServer("127.0.0.1:0", {
      ready: () => true,
      registry: metrics.registry,
      series: () => metrics.credentialSeries(),
    });
    try {
      const scrape = async (): Promise<string> => {
        const response = await fetch(`http://127.0.0.1:${String(server.port)}/metrics`);
        expect(response.status).toBe(200);
        expect(response.headers.get("content-type")).toBe(metrics.registry.contentType);
        return response.text();
      };
      const text = await scrape();
      const ready = text.split("\n").filter((line) => line.startsWith("cloudcredentials_credential_ready{"));
      expect(ready).toHaveLength(1_234);
      expect(new Set(ready.map((line) => /name="([^"]+)"/.exec(line)?.[1])).size).toBe(1_234);
      expect(ready.filter((line) => line.endsWith(" 1"))).toHaveLength(822);
      expect(text.indexOf("cloudcredentials_credential_ready{")).toBeLessThan(
        text.indexOf('cloudcredentials_workqueue_depth{controller="microsoftcredential"} 7'),
      );
      // Read from the cache at each scrape: a deleted credential leaves no series behind.
      cache = cache.slice(0, 10);
      const after = (await scrape())
        .split("\n")
        .filter((line) => line.startsWith("cloudcredentials_credential_ready{"));
      expect(after).toHaveLength(10);
    } finally {
      await server.close();
    }
  });
});
