// kubectl mscred login's browser parts that need no cluster: the authorization URL pointed at the
// plugin's port, the command that opens a browser ($BROWSER, the platform's opener), and which
// requests to the loopback port are the sign-in's answer.
import { describe, expect, it } from "vitest";
import {
  AuthorizationUrlError,
  browserCommand,
  splitCommand,
  stateOf,
  withRedirectPort,
} from "../../src/cli/browser.ts";
import { redirectOf } from "../../src/cli/redirect-listener.ts";

const AUTHORIZE =
  "https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize?client_id=0b5c&scope=openid%20offline_access%20https%3A%2F%2Fgraph.microsoft.com%2FCalendars.ReadWrite&redirect_uri=http%3A%2F%2Flocalhost&response_type=code&state=qv3X-_9z&code_challenge=E9Mel&code_challenge_method=S256&prompt=select_account";

describe("the authorization URL, redirected to the plugin's port", () => {
  it("sets redirect_uri to http://localhost:PORT and keeps every other parameter as written", () => {
    const url = withRedirectPort(AUTHORIZE, 43817);
    expect(url).toBe(
      AUTHORIZE.replace("redirect_uri=http%3A%2F%2Flocalhost&", "redirect_uri=http%3A%2F%2Flocalhost%3A43817&"),
    );
    expect(new URL(url).searchParams.get("redirect_uri")).toBe("http://localhost:43817");
    // The spaces of the scope stay %20 (a URLSearchParams round trip would make them +).
    expect(url).toContain("scope=openid%20offline_access%20https%3A%2F%2Fgraph");
  });

  it("replaces a redirect_uri that already has a port, and adds one when there is none", () => {
    const withPort = AUTHORIZE.replace("http%3A%2F%2Flocalhost", "http%3A%2F%2Flocalhost%3A80");
    expect(new URL(withRedirectPort(withPort, 5000)).searchParams.getAll("redirect_uri")).toEqual([
      "http://localhost:5000",
    ]);
    const without = "https://login.example/authorize?client_id=a&state=s#frag";
    expect(withRedirectPort(without, 5000)).toBe(
      "https://login.example/authorize?client_id=a&state=s&redirect_uri=http%3A%2F%2Flocalhost%3A5000#frag",
    );
    const twice = "https://login.example/authorize?redirect_uri=a&state=s&redirect_uri=b";
    expect(withRedirectPort(twice, 7)).toBe(
      "https://login.example/authorize?redirect_uri=http%3A%2F%2Flocalhost%3A7&state=s",
    );
  });

  it("reads the state it must get back, and refuses an address that is not https or has no state", () => {
    expect(stateOf(AUTHORIZE)).toBe("qv3X-_9z");
    expect(() => stateOf("https://login.example/authorize?client_id=a")).toThrow("has no state");
    expect(() => withRedirectPort("javascript:alert(1)//?state=s", 1)).toThrow(AuthorizationUrlError);
    expect(() => stateOf("http://login.example/authorize?state=s")).toThrow("not an https address");
    expect(() => stateOf("not a url")).toThrow("not a URL");
  });
});

describe("the command that opens a browser", () => {
  const url = "https://login.example/authorize?a=1&state=s";

  it("runs $BROWSER with the address as its last argument, split as a shell would, never through a shell", () => {
    expect(browserCommand(url, { BROWSER: "firefox", platform: "linux" })).toEqual({ command: "firefox", args: [url] });
    expect(browserCommand(url, { BROWSER: `"/opt/My Browser/run" --new-tab 'a b' c\\ d`, platform: "linux" })).toEqual({
      command: "/opt/My Browser/run",
      args: ["--new-tab", "a b", "c d", url],
    });
    expect(browserCommand(url, { BROWSER: "w3m; rm -rf ~", platform: "linux" })).toEqual({
      command: "w3m;",
      args: ["rm", "-rf", "~", url],
    });
  });

  it("puts the address in place of each %s instead, when $BROWSER has one", () => {
    expect(browserCommand(url, { BROWSER: "chromium --app=%s --new-window", platform: "linux" })).toEqual({
      command: "chromium",
      args: [`--app=${url}`, "--new-window"],
    });
  });

  it("uses the platform's opener when $BROWSER is unset or empty", () => {
    expect(browserCommand(url, { platform: "linux" })).toEqual({ command: "xdg-open", args: [url] });
    expect(browserCommand(url, { BROWSER: "", platform: "freebsd" })).toEqual({ command: "xdg-open", args: [url] });
    expect(browserCommand(url, { platform: "darwin" })).toEqual({ command: "open", args: [url] });
    // cmd would end the command at the & of an unquoted address; the empty title keeps start from taking it for one.
    expect(browserCommand(url, { platform: "win32" })).toEqual({
      command: "cmd",
      args: ["/c", "start", '""', `"${url}"`],
      verbatim: true,
    });
  });

  it("splits double-quoted escapes as a shell does, and says where a quote is left open", () => {
    expect(splitCommand(String.raw`a "b \" \\ \x" '\n'`)).toEqual(["a", String.raw`b " \ \x`, String.raw`\n`]);
    expect(splitCommand('  x  ""  ')).toEqual(["x", ""]);
    expect(() => splitCommand(`open "unclosed`)).toThrow("$BROWSER has an unclosed quote");
  });
});

describe("which requests to the loopback port are the sign-in's answer", () => {
  const port = 43817;
  const get = (url: string, host = `localhost:${port}`): ReturnType<typeof redirectOf> =>
    redirectOf({ method: "GET", url, host }, port, "the-state");

  it("the GET on / with the sign-in's state and a code: handed on as the address the browser came back to", () => {
    expect(get("/?code=M.C507&state=the-state&session_state=x")).toEqual({
      address: `http://localhost:${port}/?code=M.C507&state=the-state&session_state=x`,
    });
    const address = { address: `http://localhost:${port}/?code=c&state=the-state` };
    expect(get("/?code=c&state=the-state", `127.0.0.1:${port}`)).toEqual(address);
    expect(get("/?code=c&state=the-state", `[::1]:${port}`)).toEqual(address);
  });

  it("Microsoft's error on the redirect is an answer too", () => {
    expect(get("/?error=access_denied&error_description=the%20user%20declined&state=the-state")).toEqual({
      address: `http://localhost:${port}/?error=access_denied&error_description=the%20user%20declined&state=the-state`,
      error: { code: "access_denied", description: "the user declined" },
    });
  });

  it.each([
    ["another state", "/?code=c&state=other"],
    ["no state", "/?code=c"],
    ["two states", "/?code=c&state=the-state&state=other"],
    ["a longer state", "/?code=c&state=the-state-"],
    ["another path", "/callback?code=c&state=the-state"],
    ["a path that is a host", "//evil.example/?code=c&state=the-state"],
    ["neither code nor error", "/?state=the-state"],
    ["two codes", "/?code=a&code=b&state=the-state"],
  ])("refuses %s", (_, url) => {
    expect(typeof get(url)).toBe("string");
  });

  it("refuses another method and another Host (a page that rebinds its name to 127.0.0.1)", () => {
    const right = "/?code=c&state=the-state";
    expect(redirectOf({ method: "POST", url: right, host: `localhost:${port}` }, port, "the-state")).toBe("not a GET");
    expect(get(right, `evil.example:${port}`)).toBe("not addressed to this listener");
    expect(get(right, "localhost:1")).toBe("not addressed to this listener");
  });
});
