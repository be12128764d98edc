// An example cdk8s app: a work account's OneDrive and Excel credential for a finance team, managed
// by its lead, and the folders the team may use. `npm run cdk8s:example [namespace]` prints the
// YAML; `kubectl apply -f -` takes it.
import { App, Chart } from "cdk8s";
import type { Construct } from "constructs";
import { AccessList, MicrosoftCredential } from "./resources.ts";

/** One team's credential and access list. */
export class FinanceReports extends Chart {
  constructor(scope: Construct, id: string, namespace: string) {
    super(scope, id, { namespace, disableResourceNameHashes: true });
    const credential = new MicrosoftCredential(this, "finance-reports", {
      metadata: { name: "finance-reports" },
      spec: {
        displayName: "Finance reports",
        tenantType: "WorkOrSchool",
        tenantId: "contoso.onmicrosoft.com",
        scopes: ["OneDrive", "Excel"],
        account: "reports@contoso.onmicrosoft.com",
        manager: "ada@contoso.com",
        teams: ["finance-analysts", `system:serviceaccounts:${namespace}`],
      },
    });
    new AccessList(this, "finance-reports-items", {
      metadata: { name: "finance-reports-items" },
      spec: {
        credentialRef: { name: credential.name },
        items: [
          { name: "reports-2026", type: "Folder", path: "/Reports/2026" },
          { name: "budget", type: "Workbook", path: "/Reports/2026/Budget.xlsx", access: "ReadWrite" },
        ],
      },
    });
  }
}

/** The example's YAML. */
export function synthExample(namespace = "finance"): string {
  const app = new App();
  new FinanceReports(app, "finance-reports", namespace);
  return app.synthYaml();
}

if (import.meta.main) process.stdout.write(synthExample(process.argv[2]));
