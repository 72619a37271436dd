// The part of selenium-webdriver (which ships no types) that tests/engines/browsers.ts uses to
// drive WebKitWebDriver.
declare module 'selenium-webdriver' {
  export class Capabilities {
    setBrowserName(name: string): Capabilities;
    set(key: string, value: unknown): Capabilities;
    get(key: string): unknown;
  }
  interface Window {
    setRect(rect: { x?: number; y?: number; width?: number; height?: number }): Promise<unknown>;
  }
  interface Options {
    window(): Window;
    setTimeouts(timeouts: { script?: number; pageLoad?: number; implicit?: number }): Promise<void>;
  }
  export class WebDriver {
    manage(): Options;
    getCapabilities(): Promise<Capabilities>;
    executeAsyncScript(script: string, ...args: unknown[]): Promise<unknown>;
    get(url: string): Promise<void>;
    takeScreenshot(): Promise<string>;
    quit(): Promise<void>;
  }
  export class Builder {
    usingServer(url: string): Builder;
    withCapabilities(capabilities: Capabilities): Builder;
    build(): Promise<WebDriver>;
  }
}
