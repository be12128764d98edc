export * from "./names.ts";
export * from "./microsoft-credential.ts";
export * from "./access-list.ts";
export * from "./folder-sync.ts";
export { conditionSchema, type Condition } from "./schema-helpers.ts";
export { customResourceDefinitions } from "./crds.ts";
export * from "./conditions.ts";
