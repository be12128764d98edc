// The bearer token, read from a file (a mounted Secret key, or a projected ServiceAccount token)
// each time it is needed, so a refreshed token is used as soon as the kubelet updates the file.
import { readFile } from "node:fs/promises";
import { rememberSecret } from "../log.ts";
import { SyncFailure } from "./errors.ts";

export interface TokenSource {
  get(): Promise<string>;
}

export function tokenFile(path: string): TokenSource {
  return {
    async get(): Promise<string> {
      const token = (
        await readFile(path, "utf8").catch((error: unknown) => {
          throw new SyncFailure("TokenRejected", `cannot read the token file ${path}`, { cause: error });
        })
      ).trim();
      if (token === "") throw new SyncFailure("TokenRejected", `the token file ${path} is empty`);
      rememberSecret(token);
      return token;
    },
  };
}
