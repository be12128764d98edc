import { stringify } from "yaml";
import { customResourceDefinitions } from "./crds.ts";

/**
 * Where the generated CRDs live: plain YAML in the chart's files/ (kubectl apply -f works on them);
 * templates/crds.yaml renders them, so that Helm upgrades them and `crds.keep` can keep them on uninstall.
 */
export const CRD_DIR = "charts/cloud-credentials-operator/files/crds";

const HEADER = "# Generated from src/crds (zod schemas) by `npm run generate`. Do not edit.\n";

export interface GeneratedFile {
  readonly path: string;
  readonly content: string;
}

/** The CRD YAML files, exactly as they are committed. */
export function renderCrdFiles(): GeneratedFile[] {
  return customResourceDefinitions().map((crd) => {
    const name = (crd["metadata"] as { name: string }).name;
    return { path: `${CRD_DIR}/${name}.yaml`, content: HEADER + stringify(crd, { lineWidth: 0 }) };
  });
}
