import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    reporters: ["default", "./test/reporters/summary.ts"],
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          // One real control plane (etcd, kube-apiserver, kube-controller-manager) for the run.
          globalSetup: ["test/harness/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          // A cluster (E2E_KUBECONFIG, else a local control plane), the SIMULATED Microsoft services
          // and the operator as a process: see test/e2e/global-setup.ts.
          globalSetup: ["test/e2e/global-setup.ts"],
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: "in-cluster",
          // The e2e journeys again, against the chart installed on a real node with the image built
          // here (ADR 14), and what only Pods can show: see test/in-cluster/global-setup.ts.
          include: ["test/e2e/**/*.test.ts", "test/in-cluster/**/*.test.ts"],
          globalSetup: ["test/in-cluster/global-setup.ts"],
          // One file at a time: release.test.ts deletes Pods and upgrades the release.
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
