// GET/POST /devicelogin: the page a person opens (verification_uri). Enter the code, pick one of
// the accounts the device code's authority admits, approve or decline. It calls the same
// functions as the control API's approve and decline, so a browser and a test act alike.
import { FakeInputError } from "../app-model.ts";
import type { FakeContext } from "../context.ts";
import type { Reply } from "../http.ts";
import { appOf, approveDeviceCode, candidates, declineDeviceCode, pendingCode } from "../sign-in.ts";
import { approvedPage, consentPage, declinedPage, enterCodePage, errorPage } from "./pages.ts";

function act(context: FakeContext, form: URLSearchParams): Reply {
  const userCode = form.get("otc") ?? "";
  if (userCode.trim() === "") return errorPage(400, "Enter the code displayed on your app or device.");
  const record = pendingCode(context, userCode);
  const app = appOf(context, record);
  const action = form.get("action");
  if (action === "decline") {
    declineDeviceCode(context, record.userCode);
    return declinedPage(app);
  }
  if (action !== "approve") return consentPage(record, app, candidates(context, record));
  const userId = form.get("user") ?? "";
  if (userId === "") return errorPage(400, "Pick an account.");
  approveDeviceCode(context, { userCode: record.userCode, user: userId });
  return approvedPage(app, context.directory.requireUser(userId));
}

export function verificationPageReply(context: FakeContext, method: string, url: URL, body: string): Reply {
  if (method === "GET") return enterCodePage(url.searchParams.get("otc") ?? "");
  if (method !== "POST") return errorPage(405, `${method} is not supported here.`);
  try {
    return act(context, new URLSearchParams(body));
  } catch (e: unknown) {
    if (e instanceof FakeInputError) return errorPage(400, e.message);
    throw e;
  }
}
