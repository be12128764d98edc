// The fake Graph's control API for sync tests and the benchmark: change a drive without a token
// (rename or move, a new version of a file, expire delta tokens) and seed or change a large
// generated tree quickly. Part of FakeGraphControl (control.ts); /_fake/graph/ routes call these.
import type { ContentChange } from "./drive-edits.ts";
import { moveItem, newVersion, requireItem } from "./drive-edits.ts";
import type { Drive, ResyncCode } from "./drive.ts";
import type { GraphState } from "./state.ts";
import { changeTree, type DriveTreeChangeOptions, type DriveTreeChangesView } from "./tree-changes.ts";
import { addTree, type DriveTreeOptions, type DriveTreeView } from "./tree.ts";
import type { DriveItemRef, DriveItemView, DriveOwner } from "./types.ts";

export type DriveItemMoveInput = DriveItemRef & {
  /** The item's new path (new name and/or folder, same drive); missing folders are created. */
  readonly newPath: string;
};
export type DriveItemContentInput = DriveItemRef & ContentChange;
export type DeltaExpiryInput = DriveOwner & {
  /** Default `resyncChangesApplyDifferences`. */
  readonly resyncCode?: ResyncCode;
};
export type DriveTreeInput = DriveOwner & DriveTreeOptions;
export type DriveTreeChangeInput = DriveOwner & DriveTreeChangeOptions;

export interface FakeGraphSyncControl {
  /** Renames and/or moves an item as a PATCH would: same id, new eTag, reported once by delta with its new name and parent. */
  moveDriveItem(input: DriveItemMoveInput): DriveItemView;
  /** A new version of a file as a PUT content would: same id, new eTag, cTag, hashes; generated content gets a new seed. */
  updateDriveItemContent(input: DriveItemContentInput): DriveItemView;
  /** Every delta token issued so far for the drive answers 410 Gone with that code. */
  expireDeltaTokens(input: DeltaExpiryInput): void;
  /** Seeds a deterministic generated tree under `root` (bytes generated from the seed, never held in memory). */
  addDriveTree(input: DriveTreeInput): DriveTreeView;
  /** Applies a deterministic mix of modify, add, rename, move and delete to a fraction of the tree's files. */
  changeDriveTree(input: DriveTreeChangeInput): DriveTreeChangesView;
}

export function createGraphSyncControl(state: GraphState, driveOf: (owner: DriveOwner) => Drive): FakeGraphSyncControl {
  const now = (): number => state.clock.now();
  return {
    moveDriveItem: (input) => {
      const drive = driveOf(input);
      return drive.itemView(moveItem(drive, requireItem(drive, input.path), input.newPath, now()));
    },
    updateDriveItemContent: (input) => {
      const drive = driveOf(input);
      return drive.itemView(newVersion(drive, requireItem(drive, input.path), input, now()));
    },
    expireDeltaTokens: (input) => driveOf(input).expireDeltaTokens(input.resyncCode),
    addDriveTree: (input) => addTree(driveOf(input), input, now()),
    changeDriveTree: (input) => changeTree(driveOf(input), input, now()),
  };
}
