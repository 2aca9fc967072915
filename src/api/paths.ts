// Path templates of the API (`/v1/pods/{name}/kill`): the client fills them, the server
// matches requests against them. One implementation of both, so they cannot disagree.

/** The parameters a template names: `{name}` in the path gives `{ name: string }`. */
export type PathParams<P extends string> = P extends `${string}{${infer K}}${infer Rest}`
  ? { [k in K]: string } & PathParams<Rest>
  : {};

/** The template with each `{param}` replaced by its percent-encoded value. */
export function fillPath(template: string, params: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => {
    if (params[k] === undefined) throw new TypeError(`${template}: no value for {${k}}`);
    return encodeURIComponent(params[k]);
  });
}

/** The decoded parameters when `pathname` fits `template`, else undefined. */
export function matchPath(template: string, pathname: string): Record<string, string> | undefined {
  const want = template.split('/');
  const got = pathname.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const param = /^\{(\w+)\}$/.exec(want[i]);
    if (!param) {
      if (want[i] !== got[i]) return undefined;
      continue;
    }
    if (got[i] === '') return undefined;
    try {
      params[param[1]] = decodeURIComponent(got[i]);
    } catch {
      return undefined; // malformed percent-encoding: no pod can have that name
    }
  }
  return params;
}
