// The Jobs and ConfigMaps a FolderSync owns, as the caches hold them (plain JSON: times are strings),
// and a Job as the plan reads it.
import type { PartialObjectMetadata } from "../../kube/objects.ts";
import { GENERATION_ANNOTATION } from "./job.ts";
import type { JobView } from "./run.ts";

interface JobCondition {
  readonly type?: string;
  readonly status?: string;
  readonly message?: string;
  readonly lastTransitionTime?: string;
}

export type RawJob = PartialObjectMetadata & {
  metadata?: PartialObjectMetadata["metadata"] & { creationTimestamp?: string };
  status?: {
    readonly conditions?: readonly JobCondition[];
    readonly startTime?: string;
    readonly completionTime?: string;
  };
};

export type RawConfigMap = PartialObjectMetadata & { data?: Record<string, string> };

const isTrue = (job: RawJob, type: string): JobCondition | undefined =>
  job.status?.conditions?.find((c) => c.type === type && c.status === "True");

const nameOf = (job: RawJob): string => job.metadata?.name ?? "";

function generationOf(job: RawJob): number | undefined {
  const text = job.metadata?.annotations?.[GENERATION_ANNOTATION];
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
}

/** Adds `key: value` only when value is defined (exactOptionalPropertyTypes). */
const defined = <K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> =>
  (value === undefined ? {} : { [key]: value }) as Partial<Record<K, V>>;

/** A Job as the plan reads it: ended (Complete or Failed, the Job controller's final conditions) or not. */
export function jobView(job: RawJob): JobView {
  const complete = isTrue(job, "Complete");
  const failed = isTrue(job, "Failed");
  const ended = complete ?? failed;
  const outcome: JobView["outcome"] = ended === undefined ? undefined : complete === undefined ? "Failed" : "Succeeded";
  const status = job.status ?? {};
  return {
    name: nameOf(job),
    created: Date.parse(job.metadata?.creationTimestamp ?? "") || 0,
    active: ended === undefined,
    ...defined("outcome", outcome),
    ...defined("message", failed?.message?.slice(0, 1024)),
    ...defined("generation", generationOf(job)),
    ...defined("startTime", status.startTime),
    ...defined("endTime", status.completionTime ?? ended?.lastTransitionTime),
  };
}
