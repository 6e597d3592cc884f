// undici ships types for its index only; these are the internal modules src/daemon/upstream/undici-core.ts
// loads on their own (CommonJS, each exporting one value). undici-core.ts gives them undici's public types.
declare module 'undici/lib/dispatcher/agent.js' {
  const Agent: unknown;
  export default Agent;
}
declare module 'undici/lib/api/api-request.js' {
  const request: unknown;
  export default request;
}
declare module 'undici/lib/core/connect.js' {
  const buildConnector: unknown;
  export default buildConnector;
}
