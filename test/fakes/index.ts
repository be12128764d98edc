// The fake Microsoft identity platform's (and its fake Graph's) public surface. Tests import from here only.
export { startFakeIdentity, type FakeIdentity, type FakeIdentityOptions } from "./server.ts";
export type { FakeIdentityControl } from "./control.ts";
export { connectFakeControl, FakeControlError, type FakeControlClient } from "./control-client.ts";
export {
  errorCatalogue,
  isErrorClassName,
  type ErrorCategory,
  type ErrorClass,
  type ErrorClassName,
} from "./errors.ts";
export { createSelfSignedCertificate, thumbprints, type SelfSignedOptions, type TestCertificate } from "./pki.ts";
export {
  createServiceAccountIssuer,
  type ServiceAccountIssuer,
  type ServiceAccountIssuerOptions,
  type ServiceAccountTokenOptions,
} from "./service-account.ts";
export { decodeJwt, verifyJwt, type DecodedJwt } from "./jwt.ts";
export { accessTokenClaims } from "./opaque-tokens.ts";
export { consumersTenantId } from "./user-model.ts";
export { defaultSettings } from "./settings.ts";
// The one seeded world (test/fixtures/world.ts); `seedDemo` is its older name.
export { demo, graphPermissions, seedWorld, seedWorld as seedDemo, world } from "../fixtures/world.ts";
export type * from "./types.ts";
export type { FakeGraphControl } from "./graph/control.ts";
export { graphAppId, graphResource, powerBiResource } from "./graph/auth.ts";
export type * from "./graph/types.ts";
export type { FakeGraphDataControl } from "./graph/control-data.ts";
export { encodeSharingUrl } from "./graph/shares.ts";
