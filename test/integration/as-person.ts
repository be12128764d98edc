// Acting as a person (kubectl --as/--as-group) to see what RBAC lets them do: shared by the tests
// written as attacks and the tests of teams and managers.
import { kubectl } from "../harness/kubectl.ts";

/** Who acts: a user name and their groups. */
export interface Who {
  readonly as: string;
  readonly asGroups?: readonly string[];
}

export interface AsPerson {
  /** A real request as that person: true when allowed, false when Forbidden (anything else fails). */
  readonly allowed: (who: Who, args: readonly string[], input?: string) => Promise<boolean>;
  /** A real GET as that person. */
  readonly canGet: (who: Who, resource: string, name: string) => Promise<boolean>;
  /** `kubectl auth can-i` as that person. */
  readonly canI: (who: Who, verb: string, resource: string, namespace?: string) => Promise<boolean>;
}

/** `namespace` is read at each call (test files set theirs in beforeAll). */
export function asPerson(kubeconfig: string, namespace: () => string): AsPerson {
  const allowed = async (who: Who, args: readonly string[], input?: string): Promise<boolean> => {
    const result = await kubectl(kubeconfig, [...args, "-n", namespace()], {
      ...who,
      ...(input === undefined ? {} : { input }),
    });
    if (result.code === 0) return true;
    if (/forbidden/i.test(result.stderr)) return false;
    throw new Error(`kubectl ${args.join(" ")} failed otherwise: ${result.stderr}`);
  };
  return {
    allowed,
    canGet: (who, resource, name) => allowed(who, ["get", resource, name, "-o", "name"]),
    canI: async (who, verb, resource, ns = namespace()) =>
      (await kubectl(kubeconfig, ["auth", "can-i", verb, resource, "-n", ns], who)).stdout.trim() === "yes",
  };
}
