// The delegated side of the control API: people, device codes (approve or decline one as a
// person would on the verification page), the browser sign-in (what a person does at the
// authorize endpoint) and the knobs of the device-code and refresh grants.
import { authorize } from "./browser-sign-in.ts";
import type { FakeContext } from "./context.ts";
import { approveDeviceCode, declineDeviceCode, deviceCodeViews } from "./sign-in.ts";
import type {
  ApproveDeviceCodeInput,
  AuthorizationResponseView,
  AuthorizeInput,
  DelegatedSettings,
  DeviceCodeView,
  UserInput,
  UserPatch,
  UserView,
} from "./types.ts";
import { userView } from "./user-model.ts";

export interface DelegatedControl {
  /** Registers (or replaces, by id or user principal name) a person. */
  addUser(input: UserInput): UserView;
  users(): UserView[];
  /** By user principal name or object id. */
  user(ref: string): UserView | undefined;
  updateUser(ref: string, patch: UserPatch): UserView;
  /** Sign-in and refresh then answer AADSTS50057 (`updateUser(ref, {disabled: false})` undoes it). */
  disableUser(ref: string): UserView;
  /** Deletes the person (an admin removed the account): their refresh tokens answer AADSTS50034. */
  removeUser(ref: string): boolean;
  /** A password change or revokeSignInSessions: every refresh token issued so far answers AADSTS50173. */
  revokeUserTokens(ref: string): UserView;
  /** Signs in as `user` and consents: the device's next poll gets tokens. */
  approveDeviceCode(input: ApproveDeviceCodeInput): DeviceCodeView;
  /** The person declines: the next poll answers authorization_declined. */
  declineDeviceCode(userCode: string): DeviceCodeView;
  /**
   * What the sign-in page does for a browser at an authorization URL (msal's getAuthCodeUrl): the
   * person signs in as `user` and accepts (or declines with `approve: false`); answers where the
   * browser is sent back (`location`, and its code, state or error). A request the page would
   * refuse (unknown client AADSTS700016, unregistered redirect AADSTS50011, a refused account)
   * throws SignInRefused, a 400 over HTTP.
   */
  authorize(input: AuthorizeInput): AuthorizationResponseView;
  /** Authorization codes issued (for one user if given). */
  authorizationCodeCount(user?: string): number;
  /** Every device code issued since the last reset, oldest first. */
  deviceCodes(): DeviceCodeView[];
  /** Those still waiting for a person (so a test finds the user code without reading logs). */
  pendingDeviceCodes(): DeviceCodeView[];
  delegatedSettings(): DelegatedSettings;
  updateDelegatedSettings(patch: Partial<DelegatedSettings>): DelegatedSettings;
  /** Refresh tokens issued (for one user if given): rotation adds one per refresh. */
  refreshTokenCount(user?: string): number;
}

export function createDelegatedControl(context: FakeContext): DelegatedControl {
  const { directory, clock } = context;
  return {
    addUser: (input) => directory.addUser(input),
    users: () => directory.users(),
    user: (ref) => {
      const found = directory.findUser(ref);
      return found === undefined ? undefined : userView(found);
    },
    updateUser: (ref, patch) => directory.updateUser(ref, patch),
    disableUser: (ref) => directory.updateUser(ref, { disabled: true }),
    removeUser: (ref) => directory.removeUser(ref),
    revokeUserTokens: (ref) => directory.revokeUserTokens(ref, clock.now()),
    approveDeviceCode: (input) => approveDeviceCode(context, input),
    declineDeviceCode: (userCode) => declineDeviceCode(context, userCode),
    authorize: (input) => authorize(context, input),
    authorizationCodeCount: (user) =>
      context.authorizationCodes.count(user === undefined ? undefined : directory.requireUser(user).id),
    deviceCodes: () => deviceCodeViews(context),
    pendingDeviceCodes: () => deviceCodeViews(context).filter((d) => d.status === "pending"),
    delegatedSettings: () => context.settings.get(),
    updateDelegatedSettings: (patch) => context.settings.update(patch),
    refreshTokenCount: (user) =>
      context.refreshTokens.count(user === undefined ? undefined : directory.requireUser(user).id),
  };
}
