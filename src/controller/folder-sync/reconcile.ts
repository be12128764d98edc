// A FolderSync's reconcile: load it, gather what its plan needs from the caches, plan (pure), apply
// (its own objects, the claim checked, the old Job deleted, the new Job created), write the status
// once, record the Events.
import type { BatchV1Api, CoreV1Api, CustomObjectsApi, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { isDeepStrictEqual } from "node:util";
import { FOLDER_SYNC, LABELS, type Cloud } from "../../crds/index.ts";
import { isConflict, isNamespaceTerminating, isNotFound, statusCodeOf } from "../../kube/errors.ts";
import type { EventRecorder } from "../../kube/events.ts";
import type { ReadStore } from "../../kube/store.ts";
import { isControlledBy, replaceStatus } from "../../kube/writes.ts";
import type { CloudEndpoints } from "../../microsoft/clouds.ts";
import { parseSyncReport, REPORT_KEY } from "../../sync/report.ts";
import type { RawAccessList } from "../access-lists.ts";
import type { RawCredential } from "../microsoft-credential/index.ts";
import { unnameable } from "../names.ts";
import { DONE, type Outcome } from "../queue.ts";
import { buildJob, ownedName, type JobSource } from "./job.ts";
import { ensureOwned } from "./owned.ts";
import { planFolderSync, type Plan, type Snapshot } from "./plan.ts";
import { accessOf, credentialView, sourceView } from "./source.ts";
import { parseFolderSync, type FolderSync, type RawFolderSync } from "./status.ts";
import { jobView, type RawJob, type RawConfigMap } from "./views.ts";

export interface FolderSyncReconcilerDeps {
  readonly core: CoreV1Api;
  readonly batch: BatchV1Api;
  readonly rbac: RbacAuthorizationV1Api;
  readonly custom: CustomObjectsApi;
  readonly events: EventRecorder;
  readonly folderSyncs: ReadStore<RawFolderSync> & { list(): RawFolderSync[] };
  readonly jobs: ReadStore<RawJob> & { list(): RawJob[] };
  readonly configMaps: ReadStore<RawConfigMap>;
  readonly credentials: ReadStore<RawCredential>;
  readonly accessLists: ReadStore<RawAccessList>;
  readonly endpoints: (cloud: Cloud | undefined) => CloudEndpoints;
  readonly sync: {
    readonly image: string | undefined;
    readonly gatewayUrl: string | undefined;
    readonly gatewayAudience: string;
    readonly caPem: string | undefined;
  };
  readonly log: Logger;
  readonly now: () => number;
}

const credentialOf = (raw: RawFolderSync): string =>
  (raw.spec as { credentialRef?: { name?: string } } | undefined)?.credentialRef?.name ?? "";

export class FolderSyncReconciler {
  readonly #deps: FolderSyncReconcilerDeps;

  constructor(deps: FolderSyncReconcilerDeps) {
    this.#deps = deps;
  }

  async reconcile(key: string): Promise<Outcome> {
    const raw = this.#deps.folderSyncs.get(key);
    if (raw === undefined) return DONE;
    const fs = parseFolderSync(raw);
    if ("error" in fs) {
      this.#deps.log.error({ folderSync: key, problem: fs.error }, "cannot read FolderSync");
      return DONE;
    }
    const snapshot = this.#gather(fs);
    let plan = planFolderSync(snapshot);
    if (plan.start !== undefined) {
      const blocked = await this.#startIfPossible(snapshot, plan);
      if (blocked !== undefined) plan = planFolderSync({ ...snapshot, blocked });
    }
    if (!isDeepStrictEqual(fs.status, plan.status)) {
      try {
        const ref = { plural: FOLDER_SYNC.plural, namespace: fs.namespace, name: fs.name };
        await replaceStatus(this.#deps.custom, ref, fs.raw as Record<string, unknown>, plan.status);
      } catch (error) {
        if (isConflict(error)) return { kind: "retry", reason: "the FolderSync changed while its status was written" };
        throw error;
      }
    }
    const owner = { kind: FOLDER_SYNC.kind, name: fs.name, namespace: fs.namespace, uid: fs.uid };
    for (const e of plan.events) await this.#deps.events.record(owner, e.type, e.reason, e.message);
    return plan.next;
  }

  #gather(fs: FolderSync): Snapshot {
    const deps = this.#deps;
    const credential = credentialView(
      deps.credentials.get(`${fs.namespace}/${fs.spec.credentialRef.name}`),
      deps.endpoints,
    );
    const siteUrl = credential.state === "ready" ? credential.siteUrl : undefined;
    const map = deps.configMaps.get(`${fs.namespace}/${ownedName(fs.name)}`);
    const report = isControlledBy(map, fs.uid) ? parseSyncReport(map?.data?.[REPORT_KEY]) : undefined;
    return {
      fs,
      credential,
      source: sourceView(fs, siteUrl, (k) => deps.accessLists.get(k)),
      jobs: this.#jobsOf(fs),
      report,
      sharedThrottle: this.#sharedThrottle(fs),
      config: {
        ...(deps.sync.image === undefined ? {} : { syncImage: deps.sync.image }),
        ...(deps.sync.gatewayUrl === undefined ? {} : { gatewayUrl: deps.sync.gatewayUrl }),
      },
      now: deps.now(),
    };
  }

  /** The FolderSync's Jobs: labelled with its name and controlled by it (and the one status names, just created). */
  #jobsOf(fs: FolderSync): ReturnType<typeof jobView>[] {
    const mine = (j: RawJob | undefined): j is RawJob =>
      j !== undefined &&
      j.metadata?.namespace === fs.namespace &&
      j.metadata.labels?.[LABELS.folderSync] === fs.name &&
      isControlledBy(j, fs.uid);
    const jobs = this.#deps.jobs.list().filter(mine);
    const named =
      fs.status.jobName === undefined ? undefined : this.#deps.jobs.get(`${fs.namespace}/${fs.status.jobName}`);
    if (mine(named) && !jobs.some((j) => j.metadata?.name === named.metadata?.name)) jobs.push(named);
    return jobs.map(jobView);
  }

  /** The latest wait Microsoft asked of any sync of this credential (each keeps it in status.throttledUntil). */
  #sharedThrottle(fs: FolderSync): number | undefined {
    const times = this.#deps.folderSyncs
      .list()
      .filter((o) => o.metadata?.namespace === fs.namespace && credentialOf(o) === fs.spec.credentialRef.name)
      .map((o) => Date.parse(o.status?.throttledUntil ?? ""))
      .filter((t) => !Number.isNaN(t));
    return times.length === 0 ? undefined : Math.max(...times);
  }

  /** Starts the pass, or says what stopped it; a write the API server refuses (403, 422) is said, not retried in a loop. */
  async #startIfPossible(s: Snapshot, plan: Plan): Promise<Snapshot["blocked"]> {
    try {
      const blocked = await this.#prepare(s);
      if (blocked === undefined) await this.#startPass(s, plan);
      return blocked;
    } catch (error) {
      const code = statusCodeOf(error);
      if ((code !== 403 && code !== 422) || isNamespaceTerminating(error)) throw error;
      const why = error instanceof Error ? error.message.slice(0, 1024) : String(error);
      this.#deps.log.warn(
        { folderSync: `${s.fs.namespace}/${s.fs.name}`, code },
        "a write for a sync pass was refused",
      );
      return {
        kind: "refused",
        message: `The API server refused the operator a write this pass needs (HTTP ${String(code)}): ${why}. Ask the cluster's administrator (admission policies, RBAC); looked at again every minute.`,
      };
    }
  }

  /** Just before a pass: the claim must exist, and the FolderSync's own objects be right. */
  async #prepare(s: Snapshot): Promise<Snapshot["blocked"]> {
    const { fs } = s;
    const claim = fs.spec.target.claimName;
    // A name no claim can have: the API server would refuse the read (400) on every pass.
    const why = unnameable("spec.target.claimName", claim);
    if (why !== undefined) return { kind: "volume", message: `${why}: fix it (a new FolderSync).` };
    try {
      await this.#deps.core.readNamespacedPersistentVolumeClaim({ name: claim, namespace: fs.namespace });
    } catch (error) {
      if (!isNotFound(error)) throw error;
      return {
        kind: "volume",
        message: `PersistentVolumeClaim ${claim} does not exist in namespace ${fs.namespace}: create it, or fix spec.target.claimName (a new FolderSync). Looked at again every minute.`,
      };
    }
    const managed = s.credential.state === "ready" && s.credential.manager;
    const conflict = await ensureOwned(
      { core: this.#deps.core, rbac: this.#deps.rbac },
      { fs, useCredential: managed ? fs.spec.credentialRef.name : undefined, caPem: this.#deps.sync.caPem },
    );
    return conflict === undefined ? undefined : { kind: "conflict", message: conflict };
  }

  async #startPass(s: Snapshot, plan: Plan): Promise<void> {
    const { fs, credential } = s;
    const { sync } = this.#deps;
    if (plan.start === undefined || credential.state !== "ready" || !("source" in s.source) || sync.image === undefined)
      return;
    for (const name of plan.deleteJobs) {
      await this.#deps.batch
        .deleteNamespacedJob({ name, namespace: fs.namespace, propagationPolicy: "Background" })
        .catch((error: unknown) => {
          if (!isNotFound(error)) throw error;
        });
    }
    const source: JobSource = s.source.source;
    const job = buildJob({
      folderSync: { namespace: fs.namespace, name: fs.name, uid: fs.uid, generation: fs.generation },
      spec: fs.spec,
      source,
      access: accessOf(fs, credential, { url: sync.gatewayUrl, audience: sync.gatewayAudience }),
      image: sync.image,
      caBundle: sync.caPem !== undefined,
      ...(plan.start.notBefore === undefined ? {} : { notBefore: plan.start.notBefore }),
      now: s.now,
    });
    const created = await this.#deps.batch.createNamespacedJob({ namespace: fs.namespace, body: job });
    // Until the watch delivers it, the cache answers with what was created: never a second Job.
    this.#deps.jobs.assume?.(JSON.parse(JSON.stringify(created)) as RawJob);
  }
}
