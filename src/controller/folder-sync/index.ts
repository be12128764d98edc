// What the rest of the operator may use of the FolderSync controller (ADR 15): the controller alone.
export { FolderSyncController, type FolderSyncControllerDeps } from "./controller.ts";
