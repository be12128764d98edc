// What the rest of the operator may use of the MicrosoftCredential controller: the controller, and a
// credential as read from the cache (raw, and parsed with the spec's defaults), which the AccessList
// controller resolves as and the metrics report. Everything else in this folder is its own business
// (eslint.config.js refuses other imports from outside it).
export { CredentialController, type CredentialControllerDeps } from "./controller.ts";
export { parseCredential, type RawCredential } from "./parse.ts";
export type { Credential } from "./types.ts";
export { loadCredential, resolvedFor, type CredentialFacts } from "./facts.ts";
