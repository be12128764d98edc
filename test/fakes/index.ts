// The fake Microsoft identity platform's public surface. Tests import from here only.
export { startFakeIdentity, type FakeIdentity, type FakeIdentityOptions } from "./server.ts";
export type { FakeIdentityControl } from "./control.ts";
export { errorCatalogue, isErrorClassName, type ErrorCategory, type ErrorClass, type ErrorClassName } from "./errors.ts";
export { createSelfSignedCertificate, thumbprints, type SelfSignedOptions, type TestCertificate } from "./pki.ts";
export { createServiceAccountIssuer, type ServiceAccountIssuer, type ServiceAccountIssuerOptions, type ServiceAccountTokenOptions } from "./service-account.ts";
export { decodeJwt, verifyJwt, type DecodedJwt } from "./jwt.ts";
export { consumersTenantId } from "./user-model.ts";
export { defaultSettings } from "./settings.ts";
export { demo, seedDemo } from "./seed.ts";
export type * from "./types.ts";
