// Throttles on the URLs Graph hands out (download URLs at /_layouts/15/download.aspx), as
// SharePoint throttles downloads too: a throttle whose pathPrefix names them answers 429 or 503
// with Retry-After, then the download works; one without a prefix still means the Graph API only.
// And `perSecond`, a sustained limit that stays until cleared.
import { afterEach, describe, expect, it } from "vitest";
import { signedInWorld } from "./fake-graph-http.ts";

const { setup, raw, ada, token } = await signedInWorld();
const download = "/_layouts/15/download.aspx";

afterEach(() => setup.fake.clearGraphThrottles());

async function downloadUrl(path: string): Promise<string> {
  setup.fake.addDriveItem({ user: ada, path, size: 5000 });
  const redirect = await raw.send(`/v1.0/me/drive/root:${path}:/content`, { token });
  expect(redirect.status).toBe(302);
  return String(redirect.headers["location"]);
}

describe("throttles on download URLs", () => {
  it("answer 429 with Retry-After for a pathPrefix naming them, then the bytes come", async () => {
    const url = await downloadUrl("/Throttled/a.bin");
    setup.fake.injectGraphThrottle({ pathPrefix: download, count: 2, retryAfterSeconds: 3 });
    setup.fake.resetGraphRequests();
    for (let i = 0; i < 2; i++) {
      const answer = await raw.send(url);
      expect(answer.status).toBe(429);
      expect(answer.headers["retry-after"]).toBe("3");
      expect(answer.json()).toMatchObject({ error: { code: "TooManyRequests" } });
    }
    const ok = await raw.send(url, { headers: { range: "bytes=0-99" } });
    expect(ok.status).toBe(206);
    expect(ok.bytes).toHaveLength(100);
    expect(setup.fake.graphRequests({ pathPrefix: download }).map((r) => [r.status, r.throttled])).toEqual([
      [429, true],
      [429, true],
      [206, false],
    ]);
  });

  it("answer 503 serviceNotAvailable when asked", async () => {
    const url = await downloadUrl("/Throttled/b.bin");
    setup.fake.injectGraphThrottle({ pathPrefix: download, status: 503, retryAfterSeconds: 7 });
    const answer = await raw.send(url);
    expect([answer.status, answer.headers["retry-after"]]).toEqual([503, "7"]);
    expect((await raw.send(url)).status).toBe(200);
  });

  it("are not taken by a download when they have no prefix: the next Graph request gets it", async () => {
    const url = await downloadUrl("/Throttled/c.bin");
    setup.fake.injectGraphThrottle({});
    expect((await raw.send(url)).status).toBe(200);
    expect((await raw.send("/v1.0/me/drive", { token })).status).toBe(429);
    expect((await raw.send("/v1.0/me/drive", { token })).status).toBe(200);
  });
});

describe("perSecond throttles", () => {
  it("stay until cleared: with 0 allowed, every matching request is throttled", async () => {
    const url = await downloadUrl("/Throttled/d.bin");
    setup.fake.injectGraphThrottle({ pathPrefix: "/v1.0/me/drive/root", perSecond: 0, retryAfterSeconds: 2 });
    expect(setup.fake.graphThrottles()).toEqual([expect.objectContaining({ perSecond: 0, remaining: null })]);
    for (let i = 0; i < 3; i++) {
      const answer = await raw.send("/v1.0/me/drive/root/children", { token });
      expect([answer.status, answer.headers["retry-after"]]).toEqual([429, "2"]);
    }
    expect((await raw.send("/v1.0/me/drive", { token })).status).toBe(200);
    expect((await raw.send(url)).status).toBe(200);
    setup.fake.clearGraphThrottles();
    expect((await raw.send("/v1.0/me/drive/root/children", { token })).status).toBe(200);
  });

  it("let through what stays under the limit", async () => {
    setup.fake.injectGraphThrottle({ perSecond: 1000 });
    for (let i = 0; i < 5; i++) expect((await raw.send("/v1.0/me/drive", { token })).status).toBe(200);
    expect(() => setup.fake.injectGraphThrottle({ perSecond: -1 })).toThrow(/perSecond/);
  });
});
