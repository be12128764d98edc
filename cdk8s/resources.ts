// Typed cdk8s constructs for the operator's kinds. Their props are the types of the zod schemas the
// CRDs are generated from (src/crds), so they cannot drift from the API; a spec that breaks the
// schema (a field, or a scope its tenant type does not allow) fails at synth time with the field and
// what to fix, before any YAML is written. The other cross-field rules are CEL only: the API server
// enforces them when the YAML is applied.
import { ApiObject, type ApiObjectMetadata } from "cdk8s";
import type { Construct } from "constructs";
import type { z } from "zod";
import {
  ACCESS_LIST,
  API_VERSION,
  FOLDER_SYNC,
  MICROSOFT_CREDENTIAL,
  accessListSpecSchema,
  folderSyncSpecSchema,
  microsoftCredentialSpecSchema,
  type AccessListSpecInput,
  type FolderSyncSpecInput,
  type MicrosoftCredentialSpecInput,
} from "../src/crds/index.ts";

/** Checks a spec against its schema; the error names each field and the problem. */
function validated<S extends z.ZodType>(kind: string, id: string, schema: S, spec: z.input<S>): z.input<S> {
  const result = schema.safeParse(spec);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `spec.${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`${kind} ${id}: ${problems}`);
  }
  return spec; // as written: the API server applies the defaults
}

export interface MicrosoftCredentialProps {
  readonly metadata?: ApiObjectMetadata;
  readonly spec: MicrosoftCredentialSpecInput;
}

/** A MicrosoftCredential (cloudcredentials.io/v1alpha1). */
export class MicrosoftCredential extends ApiObject {
  static readonly GVK = { apiVersion: API_VERSION, kind: MICROSOFT_CREDENTIAL.kind } as const;

  constructor(scope: Construct, id: string, props: MicrosoftCredentialProps) {
    super(scope, id, {
      ...MicrosoftCredential.GVK,
      ...(props.metadata ? { metadata: props.metadata } : {}),
      spec: validated(MICROSOFT_CREDENTIAL.kind, id, microsoftCredentialSpecSchema, props.spec),
    });
  }
}

export interface AccessListProps {
  readonly metadata?: ApiObjectMetadata;
  readonly spec: AccessListSpecInput;
}

/** An AccessList (cloudcredentials.io/v1alpha1). */
export class AccessList extends ApiObject {
  static readonly GVK = { apiVersion: API_VERSION, kind: ACCESS_LIST.kind } as const;

  constructor(scope: Construct, id: string, props: AccessListProps) {
    super(scope, id, {
      ...AccessList.GVK,
      ...(props.metadata ? { metadata: props.metadata } : {}),
      spec: validated(ACCESS_LIST.kind, id, accessListSpecSchema, props.spec),
    });
  }
}

export interface FolderSyncProps {
  readonly metadata?: ApiObjectMetadata;
  readonly spec: FolderSyncSpecInput;
}

/** A FolderSync (cloudcredentials.io/v1alpha1, ADR 15): a folder kept in files on a volume, download only. */
export class FolderSync extends ApiObject {
  static readonly GVK = { apiVersion: API_VERSION, kind: FOLDER_SYNC.kind } as const;

  constructor(scope: Construct, id: string, props: FolderSyncProps) {
    super(scope, id, {
      ...FolderSync.GVK,
      ...(props.metadata ? { metadata: props.metadata } : {}),
      spec: validated(FOLDER_SYNC.kind, id, folderSyncSpecSchema, props.spec),
    });
  }
}
