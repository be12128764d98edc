// What the rest of the operator may use of the AccessList controller (eslint.config.js refuses other
// imports from outside this folder). The AccessLists themselves are cached in ../access-lists.ts.
export { AccessListController, type AccessListControllerDeps } from "./controller.ts";
