import { X509Certificate } from "node:crypto";
import { ConfidentialClientApplication, type Configuration, type INetworkModule } from "@azure/msal-node";
import { rememberSecret } from "../log.ts";
import { authorityConfig } from "./authority.ts";
import type { CloudEndpoints } from "./clouds.ts";
import { classify, MicrosoftError } from "./errors.ts";
import { parseRetryAfter } from "./retry-after.ts";

/** How a service principal proves itself (docs/design/api.md `servicePrincipal`). */
export type AppCredential =
  | { readonly kind: "secret"; readonly secret: string }
  | { readonly kind: "certificate"; readonly certificatePem: string; readonly privateKeyPem: string }
  | { readonly kind: "assertion"; readonly getAssertion: () => Promise<string> };

export interface AppTokenRequest {
  readonly endpoints: CloudEndpoints;
  readonly tenantId: string;
  readonly clientId: string;
  readonly credential: AppCredential;
  /** The resource, e.g. https://graph.microsoft.com; the scope is `<resource>/.default`. */
  readonly resource: string;
}

export interface AccessToken {
  readonly token: string;
  readonly expiresOn: Date;
  readonly scopes: readonly string[];
}

function clientAuth(credential: AppCredential): Partial<Configuration["auth"]> {
  switch (credential.kind) {
    case "secret":
      return { clientSecret: credential.secret };
    case "certificate": {
      const thumbprintSha256 = new X509Certificate(credential.certificatePem).fingerprint256.replaceAll(":", "");
      return {
        clientCertificate: { thumbprintSha256, privateKey: credential.privateKeyPem, x5c: credential.certificatePem },
      };
    }
    case "assertion":
      return { clientAssertion: () => credential.getAssertion() };
  }
}

/** Remembers the Retry-After of the last answer, which msal's errors do not carry. */
function recordingRetryAfter(network: INetworkModule): {
  network: INetworkModule;
  retryAfter: () => string | undefined;
} {
  let last: string | undefined;
  return {
    retryAfter: () => last,
    network: {
      sendGetRequestAsync: (url, options, timeout) => network.sendGetRequestAsync(url, options, timeout),
      sendPostRequestAsync: async (url, options) => {
        const response = await network.sendPostRequestAsync(url, options);
        last = response.headers["retry-after"];
        return response as never;
      },
    },
  };
}

/**
 * App-only tokens through msal's ConfidentialClientApplication. One application per request:
 * the token Secret is our cache (so a restart costs no request), and an msal instance per
 * credential would hold memory for 10,000 credentials for no gain.
 */
export async function acquireAppToken(network: INetworkModule, request: AppTokenRequest): Promise<AccessToken> {
  // The client secret or private key is known to the log scrubber by value too.
  if (request.credential.kind === "secret") rememberSecret(request.credential.secret);
  if (request.credential.kind === "certificate") rememberSecret(request.credential.privateKeyPem);
  const recorder = recordingRetryAfter(network);
  const app = new ConfidentialClientApplication({
    auth: {
      clientId: request.clientId,
      ...authorityConfig(request.endpoints, request.tenantId),
      ...clientAuth(request.credential),
    },
    system: { networkClient: recorder.network },
  });
  try {
    const result = await app.acquireTokenByClientCredential({ scopes: [`${request.resource}/.default`] });
    if (result?.accessToken === undefined || result.expiresOn === null) {
      throw new MicrosoftError({
        kind: "transient",
        reason: "MicrosoftError",
        code: "empty_response",
        detail: "the token response had no access token",
      });
    }
    // Known to the log scrubber by value, whatever its shape.
    rememberSecret(result.accessToken);
    return { token: result.accessToken, expiresOn: result.expiresOn, scopes: result.scopes };
  } catch (error) {
    if (error instanceof MicrosoftError) throw error;
    // The msal error is not kept as `cause`: it would reach logs unscrubbed.
    throw new MicrosoftError(classify(error, parseRetryAfter(recorder.retryAfter(), Date.now())));
  }
}
