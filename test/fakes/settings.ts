// The knobs of the delegated side: Entra's values by default, changeable by tests (a short poll
// interval for msal's own device-code loop, a short inactivity limit...). Reset with the fake.
import { FakeInputError } from "./app-model.ts";
import type { DelegatedSettings } from "./types.ts";

export const defaultSettings: DelegatedSettings = {
  deviceCodeLifetimeSeconds: 900,
  deviceCodePollIntervalSeconds: 5,
  refreshTokenMaxInactiveSeconds: 90 * 86_400,
  idTokenLifetimeSeconds: 3600,
};

export class Settings {
  #value: DelegatedSettings = defaultSettings;

  get(): DelegatedSettings {
    return this.#value;
  }

  update(patch: Partial<DelegatedSettings>): DelegatedSettings {
    const next = { ...this.#value };
    for (const [name, value] of Object.entries(patch)) {
      if (!Object.hasOwn(defaultSettings, name))
        throw new FakeInputError(`unknown setting ${name} (known: ${Object.keys(defaultSettings).join(", ")})`);
      // 0 is allowed for the poll interval only: msal's own device-code loop then polls at once.
      const minimum = name === "deviceCodePollIntervalSeconds" ? 0 : 1;
      if (!Number.isInteger(value) || value < minimum)
        throw new FakeInputError(`${name} must be an integer >= ${minimum}`);
      (next as Record<string, number>)[name] = value;
    }
    this.#value = next;
    return next;
  }

  reset(): void {
    this.#value = defaultSettings;
  }
}
