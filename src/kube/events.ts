import type { CoreV1Api } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { API_VERSION } from "../crds/index.ts";
import type { OwnerRef } from "./writes.ts";

export interface EventRecorder {
  /** Records an Event on the object; failures are logged, never thrown (Events are best effort). */
  record(object: OwnerRef, type: "Normal" | "Warning", reason: string, message: string): Promise<void>;
}

export function eventRecorder(core: CoreV1Api, log: Logger, component = "cloud-credentials-operator"): EventRecorder {
  return {
    async record(object, type, reason, message) {
      const now = new Date();
      try {
        await core.createNamespacedEvent({
          namespace: object.namespace,
          body: {
            metadata: { generateName: `${object.name}.`, namespace: object.namespace },
            involvedObject: {
              apiVersion: API_VERSION,
              kind: object.kind,
              name: object.name,
              namespace: object.namespace,
              uid: object.uid,
            },
            type,
            reason,
            message: message.slice(0, 1024),
            source: { component },
            reportingComponent: component,
            reportingInstance: process.env["HOSTNAME"] ?? component,
            action: reason,
            firstTimestamp: now,
            lastTimestamp: now,
            eventTime: undefined,
            count: 1,
          },
        });
      } catch (error) {
        log.warn({ err: error, reason, object: `${object.namespace}/${object.name}` }, "could not record an Event");
      }
    },
  };
}
