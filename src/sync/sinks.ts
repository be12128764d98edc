// Where the report goes: a file, written atomically (sinks-configmap.ts: the FolderSync's ConfigMap).
import type { ReportSink } from "./reporter.ts";
import { writeAtomically } from "./state.ts";

export function fileSink(path: string): ReportSink {
  return { name: "file", write: (json) => writeAtomically(path, json) };
}
