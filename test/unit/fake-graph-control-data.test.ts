// The fake Graph's control API over HTTP for the data the newer endpoints need: files with exact
// or generated content (and their hash), events, list items, expiring delta tokens.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { encodeSharingUrl } from "../fakes/index.ts";
import { signedInWorld } from "./fake-graph-http.ts";
import { signIn } from "./fake-graph-sign-in.ts";

type Json = Record<string, unknown>;

const { setup, raw, ada } = await signedInWorld();

const post = async (path: string, body: unknown): Promise<{ status: number; json: Json }> => {
  const answer = await raw.send(`/_fake/graph${path}`, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json" },
  });
  return { status: answer.status, json: answer.json() };
};

describe("/_fake/graph control routes", () => {
  it("add a file with exact content (text or base64) or a generated size, and report its content and hash", async () => {
    expect((await post("/items", { user: ada, path: "/a.txt", content: "héllo" })).json).toMatchObject({ size: 6 });
    const bytes = Buffer.from([0, 1, 2, 255]);
    await post("/items", { user: ada, path: "/b.bin", contentBase64: bytes.toString("base64") });
    await post("/items", { user: ada, path: "/big.bin", size: 20 * 1024 * 1024 });
    const a = (await raw.send(`/_fake/graph/content?user=${ada}&path=/a.txt`)).json();
    expect(Buffer.from(String(a["base64"]), "base64").toString()).toBe("héllo");
    expect(a["sha256"]).toBe(createHash("sha256").update("héllo").digest("hex"));
    expect((await raw.send(`/_fake/graph/content?user=${ada}&path=/b.bin`)).json()).toMatchObject({
      size: 4,
      base64: bytes.toString("base64"),
    });
    const big = (await raw.send(`/_fake/graph/content?user=${ada}&path=/big.bin`)).json();
    expect(big).toMatchObject({ size: 20 * 1024 * 1024 });
    expect(big["base64"]).toBeUndefined();
    expect((await raw.send(`/_fake/graph/content?user=${ada}&path=/none`)).status).toBe(404);
  });

  it("add events and list them, and add list items and list them", async () => {
    const event = await post("/events", {
      user: ada,
      subject: "Review",
      start: { dateTime: "2026-07-01T10:00:00", timeZone: "UTC" },
      end: { dateTime: "2026-07-01T11:00:00", timeZone: "UTC" },
    });
    expect(event).toMatchObject({ status: 201, json: { subject: "Review" } });
    const events = (await raw.send(`/_fake/graph/events?user=${ada}`)).json() as unknown as Json[];
    expect(events.map((e) => e["subject"])).toEqual(["Review"]);
    expect((await post("/events", { user: ada, subject: "no times" })).status).toBe(400);

    const hostname = `${setup.domain.split(".")[0] ?? ""}.sharepoint.com`;
    await post("/sites", { hostname, path: "/sites/ops", lists: [{ name: "Tasks" }] });
    const siteUrl = `https://${hostname}/sites/ops`;
    const item = await post("/list-items", { siteUrl, list: "Tasks", fields: { Title: "Do it" } });
    expect(item).toMatchObject({ status: 201, json: { id: "1", fields: { Title: "Do it" } } });
    const listed = (await raw.send(`/_fake/graph/list-items?site=${encodeURIComponent(siteUrl)}&list=Tasks`)).json();
    expect(listed).toMatchObject([{ id: "1" }]);
  });

  it("expire a drive's delta tokens", async () => {
    const token = (await signIn(setup.fake, ada)).graphToken;
    const first = (await raw.send("/v1.0/me/drive/root/delta", { token })).json();
    expect((await post("/delta-expiry", { user: ada })).status).toBe(200);
    const link = String(first["@odata.deltaLink"]).replace(setup.fake.url, "");
    expect((await raw.send(link, { token })).status).toBe(410);
  });

  it("encodeSharingUrl is Graph's u! encoding", () => {
    expect(encodeSharingUrl("https://onedrive.live.com/redir?resid=1231244193912!12&authKey=1201919!12921!1")).toBe(
      "u!aHR0cHM6Ly9vbmVkcml2ZS5saXZlLmNvbS9yZWRpcj9yZXNpZD0xMjMxMjQ0MTkzOTEyITEyJmF1dGhLZXk9MTIwMTkxOSExMjkyMSEx",
    );
  });
});
