// Shared by the fake-graph tests that look below the Graph client: plain HTTPS requests to the
// fake (trusting its CA, following no redirect), to see a 302's Location, send raw bytes to an
// upload URL, or stream a large download without holding it. And signedInWorld(): the fake with a
// signed-in user that most of them start from.
import type { Client } from "@microsoft/microsoft-graph-client";
import { Agent, request } from "undici";
import { afterAll } from "vitest";
import type { UserInput } from "../fakes/index.ts";
import { addWorkUser, graphClient, setUp, signIn, type Setup } from "./fake-graph-sign-in.ts";

export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The body as text (empty for HEAD and 204). */
  readonly text: string;
  readonly bytes: Buffer;
  json(): Record<string, unknown>;
}

export interface RawClient {
  /** A request to a full URL (a download or upload URL) or to a Graph path (`/v1.0/...`) with `token`. */
  send(
    target: string,
    options?: {
      readonly method?: string;
      readonly token?: string;
      readonly headers?: Record<string, string>;
      readonly body?: Buffer | string;
    },
  ): Promise<RawResponse>;
  /** Streams a GET and hands each chunk to `onChunk`; answers the status and headers once the body is read. */
  stream(url: string, onChunk: (chunk: Buffer) => void): Promise<Omit<RawResponse, "text" | "bytes" | "json">>;
  close(): Promise<void>;
}

export function rawClient(setup: Setup): RawClient {
  const agent = new Agent({ connect: { ca: setup.fake.caPem } });
  return {
    send: async (target, options = {}) => {
      const url = target.startsWith("https://") ? target : `${setup.fake.url}${target}`;
      const response = await request(url, {
        method: (options.method ?? "GET") as "GET",
        headers: {
          ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
          ...options.headers,
        },
        ...(options.body === undefined ? {} : { body: options.body }),
        dispatcher: agent,
      });
      const bytes = Buffer.from(await response.body.arrayBuffer());
      const text = bytes.toString("utf8");
      return {
        status: response.statusCode,
        headers: response.headers,
        text,
        bytes,
        json: () => JSON.parse(text) as Record<string, unknown>,
      };
    },
    stream: async (url, onChunk) => {
      const response = await request(url, { dispatcher: agent });
      for await (const chunk of response.body as AsyncIterable<Buffer>) onChunk(chunk);
      return { status: response.statusCode, headers: response.headers };
    },
    close: () => agent.close(),
  };
}

/** A fake with a signed-in work user, as most fake-graph tests start: closed after the file's tests. */
export interface SignedInWorld {
  readonly setup: Setup;
  readonly raw: RawClient;
  /** The work user's user principal name. */
  readonly ada: string;
  /** Ada's delegated Graph token. */
  readonly token: string;
  /** The production Graph client with Ada's token. */
  readonly me: Client;
  /** The id of Ada's OneDrive (made when first read). */
  readonly driveId: string;
}

/** Starts the fake, adds Ada (with `user`'s fields) and signs her in; await it at the top of a test file. */
export async function signedInWorld(user: Partial<UserInput> = {}): Promise<SignedInWorld> {
  const setup = await setUp();
  const raw = rawClient(setup);
  afterAll(async () => {
    await raw.close();
    await setup.close();
  });
  const ada = addWorkUser(setup, user);
  const token = (await signIn(setup.fake, ada)).graphToken;
  const me = graphClient(setup, token);
  return {
    setup,
    raw,
    ada,
    token,
    me,
    // A getter: the fake makes a OneDrive when first asked, so only the files that want it make it.
    get driveId() {
      return setup.fake.drive({ user: ada }).id;
    },
  };
}
