import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { inject } from "vitest";
import { operatorLogDir } from "../harness/secret-scan.ts";
import { loadKubeConfig } from "../../src/kube/client.ts";
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/log.ts";
import { createNetworkClient } from "../../src/microsoft/network.ts";
import { buildOperator, type Operator } from "../../src/operator.ts";
import type { FakeIdentity } from "../fakes/index.ts";

/** Log lines of every operator a test ran, to scan them for secrets at the end. */
export const capturedLogLines: string[] = [];

/** Also written under the run's operator log folder: the suite-wide secret scan reads it at the end. */
function capture(): Writable {
  const file = join(operatorLogDir(inject("controlPlane").logDir), `in-process-${String(process.pid)}.log`);
  return new Writable({
    write(chunk: Buffer, _encoding, done): void {
      capturedLogLines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      appendFileSync(file, chunk);
      done();
    },
  });
}

export interface InProcessOperator {
  readonly operator: Operator;
  stop(): Promise<void>;
}

/**
 * The operator as main.ts builds it, in this process, watching one namespace, talking to the
 * fake identity platform over HTTPS with its CA.
 */
export async function startOperator(
  kubeconfig: string,
  namespace: string,
  fake: FakeIdentity,
  extraArgs: readonly string[] = [],
): Promise<InProcessOperator> {
  const config = loadConfig(
    [
      "--kubeconfig",
      kubeconfig,
      "--namespaces",
      namespace,
      "--leader-elect",
      "false",
      "--http-address",
      "127.0.0.1:0",
      "--authority-host",
      fake.url,
      "--log-level",
      "debug",
      ...extraArgs,
    ],
    {},
  );
  const kubeConfig = loadKubeConfig({ inCluster: false, kubeconfig });
  const operator = buildOperator({
    config,
    kubeConfig,
    log: createLogger({ level: config.logLevel, destination: capture() }),
    network: createNetworkClient({ timeoutMs: 5000, extraCaPem: fake.caPem }),
  });
  await operator.start();
  return { operator, stop: () => operator.stop() };
}
